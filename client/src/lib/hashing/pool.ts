// SHA-1 off the UI thread. A piece's buffer is transferred to a worker and back (no copy, and
// no second copy of a 16 MiB piece alive at once); jobs go to the worker with the fewest in
// flight. Workers start lazily, up to `size`, so an idle tab costs no threads.
import { equalBytes } from '@shared/binary'
import type { WorkerPort } from '../worker-port'
import { decodeHashReply, type HashRequest } from './messages'

/** The part of a Worker the pool uses, so tests can hand in a fake. */
export type HashWorkerPort = WorkerPort<HashRequest>

export class HashPoolError extends Error {
  override name = 'HashPoolError'
}

/** One job failed inside a healthy worker; `buffer` is the caller's buffer, given back if it survived. */
export class HashJobError extends HashPoolError {
  constructor(
    message: string,
    readonly buffer: ArrayBuffer | null,
  ) {
    super(message)
  }
}

export interface HashResult {
  digest: Uint8Array
  buffer: ArrayBuffer
}

interface Job {
  resolve: (r: HashResult) => void
  reject: (err: Error) => void
}

interface Slot {
  worker: HashWorkerPort
  jobs: Map<number, Job>
  /** Has answered at least once: a crash then is bad luck, not a worker that cannot start. */
  proven: boolean
}

/** Workers that die before ever answering, in a row, before the pool gives up. */
const MAX_STARTUP_FAILURES = 3

function spawnHashWorker(): HashWorkerPort {
  // This exact form lets Vite find and bundle the worker.
  return new Worker(new URL('./hash.worker.ts', import.meta.url), { type: 'module', name: 'tabswarm-hash' })
}

export class HashPool {
  readonly size: number
  private slots: Slot[] = []
  private nextId = 1
  private startupFailures = 0
  private broken: HashPoolError | null = null
  private destroyed = false

  constructor(
    size = Math.max(2, navigator.hardwareConcurrency || 2),
    private readonly spawn: () => HashWorkerPort = spawnHashWorker,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`HashPool size must be a positive integer, got ${size}`)
    this.size = size
  }

  /** Jobs sent and not yet answered, across workers. */
  get busy(): number {
    return this.slots.reduce((n, s) => n + s.jobs.size, 0)
  }

  /** SHA-1 of `buffer`, which is detached until it comes back in the result. */
  sha1(buffer: ArrayBuffer): Promise<HashResult> {
    if (this.destroyed) return Promise.reject(new HashPoolError('Hash pool was destroyed'))
    if (this.broken) return Promise.reject(this.broken)
    if (!(buffer instanceof ArrayBuffer)) return Promise.reject(new TypeError('HashPool.sha1 needs an ArrayBuffer'))
    const slot = this.pick()
    const id = this.nextId++
    return new Promise<HashResult>((resolve, reject) => {
      slot.jobs.set(id, { resolve, reject })
      try {
        slot.worker.postMessage({ type: 'sha1', id, buffer }, [buffer])
      } catch (err) {
        slot.jobs.delete(id)
        reject(new HashPoolError(`Could not hand the data to a hash worker: ${err instanceof Error ? err.message : String(err)}`))
      }
    })
  }

  async verify(buffer: ArrayBuffer, expected: Uint8Array): Promise<{ ok: boolean; buffer: ArrayBuffer }> {
    if (expected.length !== 20) throw new RangeError(`A SHA-1 hash has 20 bytes, got ${expected.length}`)
    const { digest, buffer: back } = await this.sha1(buffer)
    return { ok: equalBytes(digest, expected), buffer: back }
  }

  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    for (const slot of this.slots) this.retire(slot, new HashPoolError('Hash pool was destroyed'))
    this.slots = []
  }

  /** The least busy worker, or a new one while some are busy and the pool is not full. */
  private pick(): Slot {
    let best: Slot | undefined
    for (const s of this.slots) if (!best || s.jobs.size < best.jobs.size) best = s
    if (!best || (best.jobs.size > 0 && this.slots.length < this.size)) return this.addSlot()
    return best
  }

  private addSlot(): Slot {
    const slot: Slot = { worker: this.spawn(), jobs: new Map(), proven: false }
    slot.worker.onmessage = (ev) => this.onReply(slot, ev.data)
    slot.worker.onerror = (ev) => {
      // Handled here: without preventDefault the page would also log it as uncaught.
      ev.preventDefault()
      this.crash(slot, ev.message || 'the worker failed to load or threw')
    }
    slot.worker.onmessageerror = () => this.crash(slot, 'a reply could not be deserialized')
    this.slots.push(slot)
    return slot
  }

  private onReply(slot: Slot, raw: unknown): void {
    let reply
    try {
      reply = decodeHashReply(raw)
    } catch (err) {
      this.crash(slot, err instanceof Error ? err.message : String(err))
      return
    }
    const job = slot.jobs.get(reply.id)
    if (!job) return // its worker was already retired and the job rejected
    slot.jobs.delete(reply.id)
    slot.proven = true
    this.startupFailures = 0
    if (reply.type === 'digest') job.resolve({ digest: new Uint8Array(reply.digest), buffer: reply.buffer })
    else job.reject(new HashJobError(reply.message, reply.buffer))
  }

  /** Rejects the worker's jobs and drops it; pick() starts a replacement when work comes. */
  private crash(slot: Slot, reason: string): void {
    if (!this.slots.includes(slot)) return
    this.slots = this.slots.filter((s) => s !== slot)
    const lost = slot.jobs.size
    this.retire(
      slot,
      new HashPoolError(`Hash worker failed (${reason}); ${lost === 1 ? 'its job was' : `its ${lost} jobs were`} lost, with the buffers sent to it`),
    )
    if (!slot.proven && ++this.startupFailures >= MAX_STARTUP_FAILURES) {
      this.broken = new HashPoolError(`Hashing is unavailable: ${MAX_STARTUP_FAILURES} hash workers in a row failed to start (${reason})`)
    }
  }

  private retire(slot: Slot, err: HashPoolError): void {
    slot.worker.onmessage = slot.worker.onerror = slot.worker.onmessageerror = null
    slot.worker.terminate()
    for (const job of slot.jobs.values()) job.reject(err)
    slot.jobs.clear()
  }
}
