// The runner tab's side of streaming: for a torrent this tab runs, a worker's `need` raises the
// priority of the bytes under and ahead of the player and, once the awaited piece is stored,
// says so. Each request holds its priorities on a lease the worker renews while it waits; a
// released, expired or superseded request gives them back, so a seek leaves nothing pinned.
import { holdRank } from '../engine/priority'
import type { PrioritizeOptions } from '../engine/torrent'
import { openStreamChannel, type ByteRange, type Level, type StreamMessage } from './messages'
import { SeekFocus } from './seek-focus'

/** The engine API streaming uses (engine/torrent.ts). */
export interface StreamTorrent {
  prioritize(start: number, end: number, level: Level, opts?: PrioritizeOptions): () => void
  whenStored(index: number, signal?: AbortSignal): Promise<Uint8Array | null>
  /** The piece holding torrent byte `offset`. */
  pieceAt(offset: number): number
  /** Where a file lies in the torrent's bytes; null for no such file. */
  fileSpan(fileIndex: number): { offset: number; length: number } | null
}

/** Longer than the worker's renewal period (2 s) with room for a busy main thread. */
const LEASE_MS = 10_000
/**
 * Deadline pieces past the awaited one whose bytes are sent to the worker as they arrive: the
 * player reads them next, and reading them back from IndexedDB in the worker took 100–200 ms
 * each on a busy machine (measured in the stream benchmark).
 */
const PUSH_AHEAD = 12
/**
 * A player's seek, before its request reaches the worker: the bytes from the guessed position
 * held at deadline priority for a moment. About what a player reads before it plays again
 * (464–512 KiB in the stream benchmark); the request itself then takes over (its hold is newer,
 * so it goes first) and a wrong guess costs at most this much of the peers' upload.
 */
const SEEK_HINT_BYTES = 512 * 1024
const SEEK_HINT_MS = 1500
/**
 * A request opened this recently near where the player seeks to is the seek's own: the hint
 * then adds nothing. In traces of the stream benchmark the worker had the request ~30 ms after
 * the seek and the page's `seeking` handler ran at ~48 ms; holding the hint too put its guess
 * (a piece early at 50%) before the request's own pieces through the seeder's capped upload.
 */
const OWN_REQUEST_MS = 1000

interface Lease {
  infoHash: string
  piece: number | null
  deadline: ByteRange
  readahead: ByteRange
  expires: number
  /** Fetch order of this request's holds, kept while its window slides (priority.ts holdRank). */
  rank: number
  /** When the player opened this request (kept while its window slides). */
  opened: number
  release: () => void
  waiting: AbortController
}

type Need = Extract<StreamMessage, { kind: 'need' }>
export type SeekHint = Extract<StreamMessage, { kind: 'seek' }>

export class StreamHost {
  private readonly leases = new Map<string, Lease>()
  private readonly channel = openStreamChannel((m) => this.onMessage(m))
  private readonly sweeper = setInterval(() => this.sweep(), LEASE_MS / 2)
  private readonly focus = new SeekFocus()

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
    else if (m.kind === 'seek') this.seek(m)
  }

  /**
   * In the stream benchmark's traces the player's new request reached this tab 60–140 ms
   * after its `seeking` event (the media pipeline, then the worker, then the channel), and the
   * cancels of the old read-ahead reached the seeder up to 60 ms after that, while the seeder
   * went on sending bytes nobody waited for. The hint starts both at `seeking`.
   */
  seek(m: SeekHint): void {
    const torrent = this.find(m.infoHash)
    const span = torrent?.fileSpan(m.fileIndex)
    if (!torrent || !span || span.length === 0) return
    const start = span.offset + Math.min(m.position, span.length - 1)
    const end = Math.min(span.offset + span.length, start + SEEK_HINT_BYTES)
    this.focus.note(m.infoHash, start, span.length)
    const id = `seek:${m.infoHash}/${m.fileIndex}`
    this.drop(id) // a new seek is a jump, also within a moment of the last one
    // The player's request may have come first (it often does; and a player in another tab
    // has its hint cross the channel): it is the one to serve first, whatever rank it got on
    // arrival, and then the guess is not held at all (OWN_REQUEST_MS).
    const now = Date.now()
    let own = false
    for (const [id, lease] of this.leases) {
      if (lease.infoHash !== m.infoHash || !this.focus.near(m.infoHash, lease.deadline[0])) continue
      // The seek's own request is a jump, as the hint would have been: it arrived before this
      // seek was noted, so it may have been judged against the one before and cancelled nothing.
      const mine = now - lease.opened <= OWN_REQUEST_MS
      this.rehold(id, lease, torrent, holdRank(), mine)
      own ||= mine
    }
    if (own) return
    this.onNeed({ kind: 'need', id, infoHash: m.infoHash, piece: null, deadline: [start, end], readahead: [start, end] })
    const lease = this.leases.get(id)
    setTimeout(() => {
      if (lease && this.leases.get(id) === lease) this.drop(id)
    }, SEEK_HINT_MS)
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
    // A request already open only moves its window along as the player reads: that is no seek,
    // and must neither cancel what other requests started nor rank above them. A new one the
    // player does not wait for (see seek-focus.ts) ranks below every other and cancels nothing.
    const background = !old && this.focus.background(m.infoHash, m.deadline[0])
    const rank = old?.rank ?? (background ? -holdRank() : holdRank())
    let release: () => void
    try {
      release = hold(torrent, m, { rank, jump: !old && !background })
    } catch (err) {
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
      rank,
      opened: old?.opened ?? Date.now(),
      release,
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

  /** Gives a lease's ranges a new rank (new holds first, then the old ones go). */
  private rehold(id: string, lease: Lease, torrent: StreamTorrent, rank: number, jump = false): void {
    try {
      const release = hold(torrent, { kind: 'need', id, infoHash: lease.infoHash, piece: lease.piece, deadline: lease.deadline, readahead: lease.readahead }, { rank, jump })
      lease.release()
      lease.release = release
      lease.rank = rank
    } catch {
      // The torrent lost its metadata meanwhile: the lease keeps what it has until it lapses.
    }
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

/** Holds a request's deadline and read-ahead ranges; throws before the torrent has metadata. */
function hold(torrent: StreamTorrent, m: Need, opts: PrioritizeOptions): () => void {
  const releases = [torrent.prioritize(m.deadline[0], m.deadline[1], 'deadline', opts)]
  try {
    if (m.readahead[1] > m.deadline[1]) releases.push(torrent.prioritize(m.deadline[1], m.readahead[1], 'readahead', opts))
  } catch (err) {
    releases.forEach((r) => r())
    throw err
  }
  return () => releases.forEach((r) => r())
}

function same(a: ByteRange, b: ByteRange): boolean {
  return a[0] === b[0] && a[1] === b[1]
}
