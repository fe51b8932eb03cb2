// Turns dropped files into a seeded torrent: hash every piece, build the info dict, store the
// pieces under the info hash.
//
// Design — two passes over the files, nothing kept between them:
//   pass 1 reads and hashes every piece (the info hash needs all piece hashes first);
//   pass 2 reads each piece again, re-verifies it and stores it under [infoHash, index].
// The alternative, one pass storing under a temporary key and renaming at the end, overlaps
// hashing with writing but then has to rename: IndexedDB cannot change keys, so that means
// reading and rewriting every piece — a second trip through the slowest stage (batched writes
// run 125–160 MB/s in DESIGN.md, 55–110 MiB/s on this VM) and, meanwhile, twice the disk
// space. Two passes instead pay for pass 1 not overlapping the writes. Measured here (2-core
// VM, headless Chromium, noisy): 1 GiB file, pass 1 4.4–9.6 s, pass 2 8.6–26 s; 300 MiB,
// pass 1 1.5–2.2 s, pass 2 4–10 s. Pass 1 never took longer than pass 2 — which is the least
// a rename would cost — and it is mostly SHA-1 (0.6 GB/s per thread on this VM), so it shrinks
// on faster CPUs. Memory stays bounded by the read windows below (at most 96 MiB of pieces).
// Pass 2 re-verifies each piece (cheap next to the write) so that a file edited between the
// passes is never stored under hashes it no longer matches.
//
// Crash safety: the torrent's record is written before its first piece (role 'downloading',
// empty bitfield) and each batch of pieces updates the bitfield in its own transaction, so a
// tab closed mid-import reloads as a partial torrent, never as pieces without a record.
import { Bitfield, choosePieceLength, pieceCountFor } from '@shared/pieces'
import { buildInfo, pieceHash, type TorrentInfo } from '@shared/torrent'
import type { HashPool } from '../hashing/pool'
import type { PieceStore, TorrentRecord } from '../storage/piece-store'
import { ImportError, planTorrent } from './naming'
import { consecutiveRuns, describePieces, forEachLimited, piecesPerRead, readPieces, type Layout } from './piece-reader'
import { isPlayableMedia } from '../stream/media'

export { ImportError } from './naming'

/** Share of the progress bar for pass 1; storing is several times slower than reading + hashing. */
const HASH_PASS_SHARE = 0.25
/** Bytes of pieces in flight while hashing, and while storing (which needs ~2 batches queued). */
const HASH_BUDGET = 64 * 1024 * 1024
const STORE_BUDGET = 96 * 1024 * 1024
const MAX_STORE_WINDOW = 32

export interface ImportDeps {
  store: PieceStore
  pool: HashPool
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
  const pieceLength = choosePieceLength(offset, { streaming: plan.files.some((f) => isPlayableMedia(f.path)) })
  const layout: Layout = {
    files: plan.files.map((f) => files[f.source]!),
    paths: plan.files.map((f) => f.path),
    spans,
    total: offset,
    pieceLength,
    pieceCount: pieceCountFor(offset, pieceLength),
  }
  const { pool, store } = deps
  const infoParams = (pieceHashes: Uint8Array): Parameters<typeof buildInfo>[0] => ({
    name: plan.name,
    files: plan.files.map((f) => ({ path: f.path, length: f.length })),
    pieceLength,
    pieceHashes,
  })
  // Dry run with blank hashes: whatever the info dict would refuse (too many files, paths too
  // deep, metadata too large) is reported now, not after reading gigabytes.
  await buildInfo(infoParams(new Uint8Array(layout.pieceCount * 20))).catch((err: unknown) => {
    throw new ImportError(`Cannot share these files: ${err instanceof Error ? err.message : String(err)}`)
  })
  const perRead = piecesPerRead(pieceLength)
  const allPieces = Array.from({ length: layout.pieceCount }, (_, i) => i)

  // Pass 1: piece hashes. Reads in flight: two per worker, so none idles waiting for a read.
  const pieceHashes = new Uint8Array(layout.pieceCount * 20)
  let hashed = 0
  const hashReads = Math.min(2 * pool.size, Math.max(2, Math.floor(HASH_BUDGET / (perRead * pieceLength))))
  await forEachLimited(consecutiveRuns(allPieces, perRead), hashReads, signal, async (run) => {
    const buffers = await readPieces(layout, run)
    await settleAll(
      run.map(async (index, k) => {
        const { digest } = await pool.sha1(buffers[k]!)
        pieceHashes.set(digest, index * 20)
        onProgress((HASH_PASS_SHARE * ++hashed) / layout.pieceCount)
      }),
    )
  })
  const info = await buildInfo(infoParams(pieceHashes))

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
  // Enough pieces in flight for one batch to fill while the previous one commits.
  const storeWindow = Math.min(MAX_STORE_WINDOW, Math.max(4, Math.floor(STORE_BUDGET / pieceLength)))
  const storeReads = Math.max(2, Math.floor(storeWindow / perRead))
  try {
    const missing = allPieces.filter((i) => !have.has(i))
    await forEachLimited(consecutiveRuns(missing, perRead), storeReads, signal, async (run) => {
      const buffers = await readPieces(layout, run)
      await settleAll(
        run.map(async (index, k) => {
          const { ok, buffer } = await pool.verify(buffers[k]!, pieceHash(info, index))
          if (!ok) throw new ImportError(`${describePieces(layout, [index])} changed while being shared; drop the file(s) again`)
          // Set before the write and saved with it: the batch that stores this piece stores a
          // bitfield claiming it, never one claiming a piece not yet written.
          have.set(index)
          await store.writePiece(info.infoHash, index, new Uint8Array(buffer), have.toBytes())
          onProgress(HASH_PASS_SHARE + ((1 - HASH_PASS_SHARE) * ++stored) / info.pieceCount)
        }),
      )
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

/** Like Promise.all, but waits for every job before throwing the first failure. */
async function settleAll(jobs: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(jobs)
  for (const r of results) if (r.status === 'rejected') throw r.reason
}
