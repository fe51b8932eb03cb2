// Turns dropped files into a seeded torrent: hash every piece, build the info dict, store the
// pieces under the info hash.
//
// Design — two passes over the files, nothing buffered between them:
//   pass 1 reads and hashes every piece (the info hash needs all piece hashes first);
//   pass 2 reads each piece again, re-verifies it and stores it under [infoHash, index].
// Why not one pass under a temporary key, renamed at the end? IndexedDB cannot rename keys:
// the "rename" reads and rewrites every piece, i.e. a second trip through the slowest stage
// (IndexedDB writes 125–160 MB/s batched, DESIGN.md) and, for a while, twice the disk space.
// A second read of the file costs far less: File reads and crypto.subtle hashing (~1.5 GB/s
// per worker) run near disk / page-cache speed, so pass 1 adds roughly 10–20% to the storing
// pass (measured numbers in the report of this change). Keeping pieces in memory between the
// passes is not an option for 4 GiB. Memory stays bounded by the in-flight window below.
// Pass 2 re-verifies each piece (cheap next to the write) because a file edited between the
// passes must not be stored under hashes it no longer matches.
//
// Crash safety: the torrent's record is written before its first piece (role 'downloading',
// empty bitfield) and each batch of pieces updates the bitfield in its own transaction, so a
// tab closed mid-import reloads as a partial torrent, never as pieces without a record.
import { Bitfield, choosePieceLength, fileSpans, pieceCountFor, pieceLengthAt } from '../../../../shared/pieces'
import { buildInfo, pieceHash, type TorrentInfo } from '../../../../shared/torrent'
import type { HashPool } from '../hashing/pool'
import type { PieceStore, TorrentRecord } from '../storage/piece-store'
import { ImportError, planTorrent } from './naming'

export { ImportError } from './naming'

/** Share of the progress bar for pass 1; storing is several times slower than reading + hashing. */
const HASH_PASS_SHARE = 0.15
/** Bytes of pieces in flight while hashing, and while storing (which needs ~2 batches queued). */
const HASH_BUDGET = 64 * 1024 * 1024
const STORE_BUDGET = 96 * 1024 * 1024
const MAX_STORE_WINDOW = 32

export interface ImportDeps {
  store: PieceStore
  pool: HashPool
}

interface Layout {
  files: readonly File[]
  paths: readonly string[]
  spans: readonly { offset: number; length: number }[]
  total: number
  pieceLength: number
  pieceCount: number
}

export async function importFiles(
  files: readonly File[],
  deps: ImportDeps,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<TorrentInfo> {
  signal?.throwIfAborted()
  const plan = planTorrent(files)
  let offset = 0
  const spans = plan.files.map((f) => {
    const span = { offset, length: f.length }
    offset += f.length
    return span
  })
  const pieceLength = choosePieceLength(offset)
  const layout: Layout = {
    files: plan.files.map((f) => files[f.source]!),
    paths: plan.files.map((f) => f.path),
    spans,
    total: offset,
    pieceLength,
    pieceCount: pieceCountFor(offset, pieceLength),
  }
  const { pool, store } = deps

  // Pass 1: piece hashes.
  const pieceHashes = new Uint8Array(layout.pieceCount * 20)
  let hashed = 0
  const hashWindow = Math.min(2 * pool.size, Math.max(2, Math.floor(HASH_BUDGET / pieceLength)))
  await forEachPiece(range(layout.pieceCount), hashWindow, signal, async (index) => {
    const { digest } = await pool.sha1(await readPiece(layout, index))
    pieceHashes.set(digest, index * 20)
    onProgress((HASH_PASS_SHARE * ++hashed) / layout.pieceCount)
  })
  const info = await buildInfo({
    name: plan.name,
    files: plan.files.map((f) => ({ path: f.path, length: f.length })),
    pieceLength,
    pieceHashes,
  })

  // Pass 2: store. The same files may already be here (dropped twice, or partly downloaded).
  const existing = await store.getTorrent(info.infoHash).catch(() => null)
  const have = existingBits(existing, info.pieceCount)
  const base: TorrentRecord = existing ?? {
    infoHash: info.infoHash,
    name: info.name,
    magnet: '',
    infoBytes: info.infoBytes,
    role: 'downloading',
    paused: false,
    bitfield: have.toBytes(),
    uploaded: 0,
    downloaded: 0,
    addedAt: Date.now(),
  }
  if (!existing) await store.putTorrent(base)
  let stored = have.count()
  const storeWindow = Math.min(MAX_STORE_WINDOW, Math.max(4, Math.floor(STORE_BUDGET / pieceLength)))
  try {
    const missing = [...range(info.pieceCount)].filter((i) => !have.has(i))
    await forEachPiece(missing, storeWindow, signal, async (index) => {
      const { ok, buffer } = await pool.verify(await readPiece(layout, index), pieceHash(info, index))
      if (!ok) throw new ImportError(`${describePiece(layout, index)} changed while being shared; drop the file(s) again`)
      // Set before the write and saved with it: the batch that stores this piece stores a
      // bitfield claiming it, never one claiming a piece not yet written.
      have.set(index)
      await store.writePiece(info.infoHash, index, new Uint8Array(buffer), have.toBytes())
      onProgress(HASH_PASS_SHARE + ((1 - HASH_PASS_SHARE) * ++stored) / info.pieceCount)
    })
    await store.putTorrent({ ...base, infoBytes: info.infoBytes, role: 'seeding', paused: false, bitfield: have.toBytes() })
  } catch (err) {
    // A torrent this import created is useless half-stored (nobody else has its pieces).
    if (!existing) await store.deleteTorrent(info.infoHash).catch(() => {})
    throw err
  }
  onProgress(1)
  return info
}

function existingBits(rec: TorrentRecord | null, pieceCount: number): Bitfield {
  const bytes = rec?.infoBytes ? rec.bitfield : null
  return bytes && bytes.length === Math.ceil(pieceCount / 8) ? new Bitfield(pieceCount, bytes.slice()) : new Bitfield(pieceCount)
}

/** Reads one piece, which may span several files, into a fresh (transferable) buffer. */
async function readPiece(layout: Layout, index: number): Promise<ArrayBuffer> {
  const len = pieceLengthAt(layout.total, layout.pieceLength, index)
  const parts = fileSpans(layout.spans, layout.pieceLength, index, len).map((s) =>
    layout.files[s.fileIndex]!.slice(s.fileOffset, s.fileOffset + s.length),
  )
  try {
    const buffer = await (parts.length === 1 ? parts[0]! : new Blob(parts)).arrayBuffer()
    if (buffer.byteLength !== len) throw new Error(`got ${buffer.byteLength} bytes instead of ${len}`)
    return buffer
  } catch (err) {
    // Chrome refuses to read a File changed, moved or deleted since it was chosen.
    const why = err instanceof Error ? err.message : String(err)
    throw new ImportError(`Could not read ${describePiece(layout, index)}: was it moved, changed or deleted? (${why})`)
  }
}

function describePiece(layout: Layout, index: number): string {
  const len = pieceLengthAt(layout.total, layout.pieceLength, index)
  const names = fileSpans(layout.spans, layout.pieceLength, index, len).map((s) => `"${layout.paths[s.fileIndex]}"`)
  return names.join(', ')
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i
}

/**
 * Runs `fn` over `indices` in order, at most `limit` at a time. On the first failure (or abort)
 * it starts nothing more, waits for those running, then throws that failure.
 */
async function forEachPiece(indices: Iterable<number>, limit: number, signal: AbortSignal | undefined, fn: (index: number) => Promise<void>): Promise<void> {
  const it = indices[Symbol.iterator]()
  let failure: { err: unknown } | null = null
  const lane = async (): Promise<void> => {
    while (!failure) {
      if (signal?.aborted) {
        failure = { err: signal.reason }
        return
      }
      const next = it.next()
      if (next.done) return
      try {
        await fn(next.value)
      } catch (err) {
        failure ??= { err }
      }
    }
  }
  await Promise.all(Array.from({ length: limit }, lane))
  if (failure) throw (failure as { err: unknown }).err
}
