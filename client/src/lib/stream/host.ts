// The runner tab's side of streaming: for a torrent this tab runs, a worker's `need` raises the
// priority of the bytes under and ahead of the player and, once the awaited piece is stored,
// says so. Each request holds its priorities on a lease the worker renews while it waits; a
// released, expired or superseded request gives them back, so a seek leaves nothing pinned.
import { openStreamChannel, type ByteRange, type Level, type StreamMessage } from './messages'

/** The engine API streaming uses (engine/torrent.ts). */
export interface StreamTorrent {
  prioritize(start: number, end: number, level: Level): () => void
  whenStored(index: number, signal?: AbortSignal): Promise<Uint8Array | null>
  /** The piece holding torrent byte `offset`. */
  pieceAt(offset: number): number
}

/** Longer than the worker's renewal period (2 s) with room for a busy main thread. */
const LEASE_MS = 10_000
/**
 * Deadline pieces past the awaited one whose bytes are sent to the worker as they arrive: the
 * player reads them next, and reading them back from IndexedDB in the worker took 100–200 ms
 * each on a busy machine (measured in the stream benchmark).
 */
const PUSH_AHEAD = 12

interface Lease {
  infoHash: string
  piece: number | null
  deadline: ByteRange
  readahead: ByteRange
  expires: number
  release: () => void
  waiting: AbortController
}

type Need = Extract<StreamMessage, { kind: 'need' }>

export class StreamHost {
  private readonly leases = new Map<string, Lease>()
  private readonly channel = openStreamChannel((m) => this.onMessage(m))
  private readonly sweeper = setInterval(() => this.sweep(), LEASE_MS / 2)

  /** `find` returns the torrent when this tab runs it, else null (another tab answers). */
  constructor(private readonly find: (infoHash: string) => StreamTorrent | null) {}

  close(): void {
    clearInterval(this.sweeper)
    for (const id of [...this.leases.keys()]) this.drop(id)
    this.channel.close()
  }

  private onMessage(m: StreamMessage): void {
    if (m.kind === 'need') this.onNeed(m)
    else if (m.kind === 'release') this.drop(m.id)
  }

  private onNeed(m: Need): void {
    const torrent = this.find(m.infoHash)
    if (!torrent) return
    const old = this.leases.get(m.id)
    if (old && same(old.deadline, m.deadline) && same(old.readahead, m.readahead) && old.piece === m.piece) {
      old.expires = Date.now() + LEASE_MS
      return
    }
    // New ranges first, then the old ones go: no instant in which the bytes drop to rarest-first.
    const releases: (() => void)[] = []
    try {
      releases.push(torrent.prioritize(m.deadline[0], m.deadline[1], 'deadline'))
      if (m.readahead[1] > m.deadline[1]) releases.push(torrent.prioritize(m.deadline[1], m.readahead[1], 'readahead'))
    } catch (err) {
      releases.forEach((r) => r())
      this.channel.post({ kind: 'failed', id: m.id, infoHash: m.infoHash, message: err instanceof Error ? err.message : String(err) })
      return
    }
    if (old) this.drop(m.id)
    const lease: Lease = {
      infoHash: m.infoHash,
      piece: m.piece,
      deadline: m.deadline,
      readahead: m.readahead,
      expires: Date.now() + LEASE_MS,
      release: () => releases.forEach((r) => r()),
      waiting: new AbortController(),
    }
    this.leases.set(m.id, lease)
    const first = m.piece ?? torrent.pieceAt(m.deadline[0])
    const last = Math.min(first + PUSH_AHEAD, torrent.pieceAt(Math.max(m.deadline[0], m.deadline[1] - 1)))
    for (let i = first + 1; i <= last; i++) {
      torrent.whenStored(i, lease.waiting.signal).then(
        (bytes) => bytes && this.channel.post({ kind: 'stored', infoHash: m.infoHash, piece: i, bytes }),
        () => undefined, // dropped with the lease, or the torrent went away: the awaited piece reports that
      )
    }
    if (m.piece === null) return
    const piece = m.piece
    torrent.whenStored(piece, lease.waiting.signal).then(
      (bytes) => {
        this.channel.post({ kind: 'stored', infoHash: m.infoHash, piece, bytes })
      },
      (err: unknown) => {
        if (lease.waiting.signal.aborted) return
        this.channel.post({ kind: 'failed', id: m.id, infoHash: m.infoHash, message: err instanceof Error ? err.message : String(err) })
        this.drop(m.id)
      },
    )
  }

  private drop(id: string): void {
    const lease = this.leases.get(id)
    if (!lease) return
    this.leases.delete(id)
    lease.waiting.abort()
    lease.release()
  }

  private sweep(): void {
    const now = Date.now()
    for (const [id, lease] of this.leases) if (lease.expires < now || !this.find(lease.infoHash)) this.drop(id)
  }
}

function same(a: ByteRange, b: ByteRange): boolean {
  return a[0] === b[0] && a[1] === b[1]
}
