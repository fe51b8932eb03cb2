// PieceStore's commits through the store worker (store.worker.ts), so the page's main thread
// no longer pays IndexedDB's synchronous cost per piece. Each piece is copied (a plain memcpy,
// ~0.02 ms for 128 KiB here, against 2–6 ms for the put it replaces) and the copy transferred:
// the page keeps its own bytes for readers until the commit is done. When there is no worker
// (tests under Node), when it cannot start, or when it dies, commits run in the page as before,
// and the writes of a dead worker's unanswered batches are committed there again: nothing
// handed to the store is lost to a worker failure.
import type { WorkerPort } from '../worker-port'
import type { CommitRequest, CommitReply } from './commit-messages'
import { decodeCommitReply } from './commit-messages'
import { StorageError, StorageFullError, UnknownTorrentError } from './errors'
import type { CommitFn, PieceWrite } from './write-batcher'

/** The part of a Worker used here, so tests can hand in a fake. */
export type StoreWorkerPort = WorkerPort<CommitRequest>

export function spawnStoreWorker(): StoreWorkerPort | null {
  if (typeof Worker === 'undefined') return null
  // This exact form lets Vite find and bundle the worker.
  return new Worker(new URL('./store.worker.ts', import.meta.url), { type: 'module', name: 'tabswarm-store' })
}

interface Job {
  writes: readonly PieceWrite[]
  bitfields: ReadonlyMap<string, Uint8Array>
  resolve: (results: (Error | null)[]) => void
  reject: (err: unknown) => void
}

export class WorkerCommitter {
  private worker: StoreWorkerPort | null
  private readonly jobs = new Map<number, Job>()
  private nextId = 1
  /** Why the worker was given up, for the console; null while it serves. */
  failure: string | null = null

  constructor(
    private readonly inPage: CommitFn,
    spawn: () => StoreWorkerPort | null = spawnStoreWorker,
  ) {
    // Started with the store, not on the first piece: a worker's start-up (fetching and
    // compiling its module) would otherwise delay the first piece a player waits for.
    let worker: StoreWorkerPort | null = null
    try {
      worker = spawn()
    } catch (err) {
      this.failure = `the store worker did not start: ${err instanceof Error ? err.message : String(err)}`
    }
    this.worker = worker
    if (!worker) return
    worker.onmessage = (ev) => this.onReply(ev.data)
    worker.onerror = (ev) => {
      ev.preventDefault()
      this.giveUp(ev.message || 'the store worker failed to load or threw')
    }
    worker.onmessageerror = () => this.giveUp('a reply of the store worker could not be deserialized')
  }

  get usingWorker(): boolean {
    return this.worker !== null
  }

  readonly commit: CommitFn = (writes, bitfields) => {
    const worker = this.worker
    if (!worker) return this.inPage(writes, bitfields)
    return new Promise((resolve, reject) => {
      const id = this.nextId++
      this.jobs.set(id, { writes, bitfields, resolve, reject })
      const transfer: Transferable[] = []
      const own = (bytes: Uint8Array): ArrayBuffer => {
        const copy = bytes.slice().buffer
        transfer.push(copy)
        return copy
      }
      const request: CommitRequest = {
        type: 'commit',
        id,
        writes: writes.map((w) => ({ infoHash: w.infoHash, index: w.index, data: own(w.data) })),
        bitfields: [...bitfields].map(([infoHash, bits]) => ({ infoHash, bits: own(bits) })),
      }
      try {
        worker.postMessage(request, transfer)
      } catch (err) {
        this.giveUp(`the store worker refused a commit: ${err instanceof Error ? err.message : String(err)}`)
      }
    })
  }

  private onReply(raw: unknown): void {
    let reply: CommitReply
    try {
      reply = decodeCommitReply(raw)
    } catch (err) {
      this.giveUp(err instanceof Error ? err.message : String(err))
      return
    }
    const job = this.jobs.get(reply.id)
    if (!job) return
    this.jobs.delete(reply.id)
    if (reply.type === 'failed') {
      job.reject(reply.full ? new StorageFullError(reply.message) : new StorageError(reply.message))
      return
    }
    if (reply.results.length !== job.writes.length) {
      this.jobs.set(reply.id, job) // still owed: committed again in the page below
      this.giveUp(`the store worker answered ${reply.results.length} results for ${job.writes.length} writes`)
      return
    }
    job.resolve(
      reply.results.map((r, i) => {
        if (!r) return null
        return r.reason === 'unknown-torrent' ? new UnknownTorrentError(job.writes[i]!.infoHash) : new StorageError(r.message)
      }),
    )
  }

  /**
   * The worker cannot be trusted any more: stop it, and commit its unanswered batches in the
   * page, in the order they were sent (a batch it did commit before dying is written again,
   * which stores the same bytes).
   */
  private giveUp(why: string): void {
    if (!this.worker) return
    this.failure = why
    console.warn('[tabswarm] piece writes move to the page:', why)
    this.worker.terminate()
    this.worker = null
    const owed = [...this.jobs.values()]
    this.jobs.clear()
    let chain: Promise<unknown> = Promise.resolve()
    for (const job of owed) {
      chain = chain.then(() => this.inPage(job.writes, job.bitfields).then(job.resolve, job.reject))
    }
  }

  close(): void {
    this.worker?.terminate()
    this.worker = null
    for (const job of this.jobs.values()) job.reject(new StorageError('the store was closed'))
    this.jobs.clear()
  }
}
