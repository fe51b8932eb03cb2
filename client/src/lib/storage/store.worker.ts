// The store worker: runs PieceStore's batched piece commits (piece-ops.ts `commitPieces`) on
// its own thread. Measured in Chromium here, an IndexedDB put of a 128 KiB piece blocks the
// calling thread for 2–6 ms (values of 64 KiB and more become blob files, copied synchronously),
// so a batch of 16 held the page's main thread for 30–80 ms: long enough to delay a player's
// seek, the peers' messages and the page itself (stream benchmark, long-animation-frame
// entries). Here that work costs the page one buffer copy and a transfer per piece.
import { commitPieces } from './piece-ops'
import { decodeCommitRequest, type CommitReply, type WriteRefusal } from './commit-messages'
import { openTabswarmDB, type TabswarmDatabase } from './db'
import { StorageFullError, UnknownTorrentError, errorMessage } from './errors'

// The project's lib is DOM, not WebWorker; these are the worker-scope members we use.
const scope = self as unknown as {
  addEventListener(type: 'message', listener: (ev: MessageEvent<unknown>) => void): void
  postMessage(message: CommitReply): void
}

let database: Promise<TabswarmDatabase> | null = null

function db(): Promise<TabswarmDatabase> {
  // Opened on the first commit and again after the browser or a newer tab closed it; a failed
  // open is retried by the next commit rather than remembered.
  database ??= openTabswarmDB({ onVersionChange: forget, onTerminated: forget }).catch((err: unknown) => {
    database = null
    throw err
  })
  return database
}

function forget(): void {
  database = null
}

// Commits run one at a time in arrival order, as the page's WriteBatcher sends them: a later
// batch may carry a newer bitfield of the same torrent, which must land last.
let queue: Promise<void> = Promise.resolve()

scope.addEventListener('message', (ev) => {
  let request
  try {
    request = decodeCommitRequest(ev.data)
  } catch (err) {
    // Without a valid id the page cannot match a reply; it learns from an error event instead.
    setTimeout(() => {
      throw err
    })
    return
  }
  const r = request
  queue = queue.then(() => commit(r.id, r.writes, r.bitfields))
})

async function commit(id: number, writes: { infoHash: string; index: number; data: ArrayBuffer }[], bitfields: { infoHash: string; bits: ArrayBuffer }[]): Promise<void> {
  try {
    const results = await commitPieces(
      await db(),
      writes.map((w) => ({ infoHash: w.infoHash, index: w.index, data: new Uint8Array(w.data), bitfield: null })),
      new Map(bitfields.map((b) => [b.infoHash, new Uint8Array(b.bits)])),
    )
    scope.postMessage({ type: 'committed', id, results: results.map(refusal) })
  } catch (err) {
    const full = err instanceof StorageFullError
    scope.postMessage({ type: 'failed', id, full, message: full ? err.detail : errorMessage(err) })
  }
}

function refusal(err: Error | null): WriteRefusal | null {
  if (!err) return null
  return { reason: err instanceof UnknownTorrentError ? 'unknown-torrent' : 'other', message: err.message }
}
