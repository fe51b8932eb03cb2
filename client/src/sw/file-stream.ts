// The body of one /stream/ response: the bytes [start, end] of a file, piece by piece. Stored
// pieces come straight from IndexedDB; for a missing one the worker asks the runner tab to fetch
// it first (deadline) and what follows soon after (read-ahead), the way p2p-media-loader ranks
// segments by how far they are from the playhead, and waits until it is stored.
import type { TorrentFile } from '@shared/torrent'
import type { ByteRange } from '../lib/stream/messages'
import { StreamFailed, type Runners } from './runners'
import type { StoredTorrents } from './stored'

/** Seconds of media fetched first, and read ahead, counted from the byte the player asked for. */
const DEADLINE_SECONDS = 4
const READAHEAD_SECONDS = 30
/** Until the player reports a bitrate: about 2 Mbit/s, a typical 720p stream. */
const DEFAULT_BYTES_PER_SECOND = 256 * 1024
const MIN_READAHEAD = 8 * 1024 * 1024
/** How often a waiting response looks again and renews its lease on the priorities. */
const RENEW_MS = 2000
/** Bytes of stored pieces read from IndexedDB at once, ahead of the player. */
const READ_BATCH = 1024 * 1024

/** What a response asks of the runner tab: one file of one torrent, under one request id. */
export interface StreamTarget {
  id: string
  infoHash: string
  fileIndex: number
  file: TorrentFile
  pieceLength: number
  runners: Runners
}

interface Windows {
  deadline: ByteRange
  readahead: ByteRange
}

/** The deadline and read-ahead windows for a player reading file offset `pos`. */
function windowsAt(o: StreamTarget, pos: number): Windows {
  const rate = o.runners.bitrate(o.infoHash, o.fileIndex) ?? DEFAULT_BYTES_PER_SECOND
  const abs = o.file.offset + pos
  const fileEnd = o.file.offset + o.file.length
  const deadlineEnd = Math.min(fileEnd, abs + Math.max(o.pieceLength, DEADLINE_SECONDS * rate))
  const aheadEnd = Math.min(fileEnd, Math.max(deadlineEnd, abs + Math.max(MIN_READAHEAD, READAHEAD_SECONDS * rate)))
  return { deadline: [abs, Math.ceil(deadlineEnd)], readahead: [abs, Math.ceil(aheadEnd)] }
}

/**
 * Asks the runner for the piece under file offset `pos` and the windows after it. The worker
 * calls this before it has read anything from IndexedDB when it already knows the torrent: that
 * read waits behind the runner's piece writes (100–150 ms in the stream benchmark's traces),
 * and a player that just seeked waits for every millisecond of it.
 */
export function askFor(o: StreamTarget, pos: number): void {
  const piece = Math.floor((o.file.offset + pos) / o.pieceLength)
  o.runners.need({ id: o.id, infoHash: o.infoHash, piece, ...windowsAt(o, pos) })
}

export interface FileStreamOptions extends StreamTarget {
  /** Inclusive file offsets. */
  start: number
  end: number
  stored: StoredTorrents
  /** The request's own signal: aborted when the page gives up on the fetch. */
  signal: AbortSignal
  /** askFor(start) was already posted under this id. */
  asked?: boolean
  /** Resolves true if the torrent turns out to be gone (the response was sent before looking). */
  removed?: Promise<boolean>
}

const REMOVED = 'This torrent was removed while it was playing'

export function fileStream(o: FileStreamOptions): { body: ReadableStream<Uint8Array>; done: Promise<void> } {
  const abort = new AbortController()
  const onAbort = (): void => abort.abort()
  o.signal.addEventListener('abort', onAbort)
  let removed = false
  void o.removed?.then((gone) => {
    if (!gone) return
    removed = true
    abort.abort()
  })
  let pos = o.start
  let asked = o.asked ?? false
  /** The piece this response waits for, or null while it reads stored ones. */
  let waitingFor: number | null = null
  let finish!: () => void
  const done = new Promise<void>((resolve) => (finish = resolve))
  // While the response is open the windows ahead of the player stay raised, also when every
  // piece it reads is stored: otherwise the lease lapses while the player's buffer is full, the
  // download wanders off rarest-first, and the player stalls when it next reads.
  const renewer = setInterval(() => {
    asked = true
    o.runners.need({ id: o.id, infoHash: o.infoHash, piece: waitingFor, ...windows() })
  }, RENEW_MS)
  const close = (): void => {
    clearInterval(renewer)
    o.signal.removeEventListener('abort', onAbort)
    abort.abort()
    if (asked) o.runners.release(o.id)
    finish()
  }

  const windows = (): Windows => windowsAt(o, pos)

  // Pieces read ahead in one batch; only ever the next few of this response.
  let batch = new Map<number, Uint8Array>()
  const lastPiece = Math.floor((o.file.offset + o.end) / o.pieceLength)
  const pieceAt = async (index: number): Promise<Uint8Array> => {
    const ready = batch.get(index) ?? o.runners.recent(o.infoHash, index)
    if (ready) return ready
    const ask = (): void => {
      asked = true
      o.runners.need({ id: o.id, infoHash: o.infoHash, piece: index, ...windows() })
    }
    // A response's first piece is asked for before IndexedDB is read: after a seek the runner
    // starts fetching while the worker looks (if it is stored, the runner just says so).
    if (!asked) ask()
    const count = Math.max(1, Math.min(lastPiece - index + 1, Math.floor(READ_BATCH / o.pieceLength)))
    const first = await storedOrSent(index, count)
    if (first) return first
    for (let again = false; ; again = true) {
      // The batch was just read; read the piece alone only after a wait that timed out.
      const bytes = batch.get(index) ?? o.runners.recent(o.infoHash, index) ?? (again ? await o.stored.piece(o.infoHash, index) : null)
      if (bytes) return bytes
      batch.clear()
      waitingFor = index
      ask()
      if (!(await o.stored.torrent(o.infoHash))) throw new StreamFailed(REMOVED)
      try {
        await o.runners.wait(o.infoHash, index, o.id, RENEW_MS, abort.signal)
      } finally {
        waitingFor = null
      }
    }
  }

  /**
   * The piece from a batch read of IndexedDB or from the runner, whichever has it first. While
   * a player streams what is being downloaded, the piece it reads next is usually on its way
   * from a peer, and the read (queued behind the runner's piece writes) only says "not stored"
   * after the runner has sent it: in the stream benchmark's traces the worker took each such
   * piece 30-100 ms after the runner had it.
   */
  const storedOrSent = async (index: number, count: number): Promise<Uint8Array | null> => {
    const stop = new AbortController()
    const onAbort = (): void => stop.abort()
    abort.signal.addEventListener('abort', onAbort)
    let settled = false
    const read = o.stored.pieces(o.infoHash, index, count).then((b) => {
      if (!settled) batch = b // a read that lost the race must not replace a later batch
      return b.get(index) ?? null
    })
    const sent = o.runners.wait(o.infoHash, index, o.id, RENEW_MS, stop.signal).then(
      () => o.runners.recent(o.infoHash, index),
      (err: unknown) => {
        if (err instanceof StreamFailed) throw err
        return null // the read came first (or the response was cancelled: the read says so too)
      },
    )
    try {
      const bytes = await Promise.race([read, sent])
      if (bytes) return bytes
      return await read
    } finally {
      settled = true
      stop.abort()
      abort.signal.removeEventListener('abort', onAbort)
    }
  }

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (removed) throw new StreamFailed(REMOVED)
          if (pos > o.end) {
            controller.close()
            return close()
          }
          const abs = o.file.offset + pos
          const index = Math.floor(abs / o.pieceLength)
          const piece = await pieceAt(index)
          const from = abs - index * o.pieceLength
          const to = Math.min(piece.byteLength, from + (o.end - pos + 1))
          if (to <= from) throw new StreamFailed(`Stored piece ${index} is shorter than the torrent says`)
          controller.enqueue(piece.subarray(from, to))
          pos += to - from
        } catch (err) {
          close()
          throw removed ? new StreamFailed(REMOVED) : err
        }
      },
      cancel() {
        close()
      },
    },
    // Pull only when the player reads: a paused player holds no pieces in the worker.
    { highWaterMark: 0 },
  )
  return { body, done }
}
