// The multi-request IndexedDB operations behind PieceStore: the batched piece commit and the
// batched removal of a torrent's pieces. Invariant kept by both: a piece is only ever stored
// while its torrent's record exists, so pieces without a record are leftovers of an interrupted
// removal and can be swept at startup without racing another tab's import or download.
import { decodeTorrentRecord, type PieceKey, type TabswarmDatabase } from './db'
import { StorageError, StorageFullError, UnknownTorrentError, errorMessage, formatBytes, isQuotaError } from './errors'
import type { PieceWrite } from './write-batcher'

/** Every piece key of one torrent: numbers sort below +Infinity. */
export function pieceRange(infoHash: string, from = 0, open = false): IDBKeyRange {
  return IDBKeyRange.bound([infoHash, from], [infoHash, Infinity], open)
}

/** See CommitFn in write-batcher.ts. */
export async function commitPieces(
  db: TabswarmDatabase,
  writes: readonly PieceWrite[],
  bitfields: ReadonlyMap<string, Uint8Array>,
): Promise<(Error | null)[]> {
  const tx = db.transaction(['torrents', 'pieces'], 'readwrite')
  // Every request promise gets a handler: after the first failure the transaction aborts and
  // the rest reject too, which must not surface as unhandled rejections.
  const done = tx.done
  done.catch(() => {})
  const refused = new Map<string, Error>()
  const firstError: unknown[] = []
  const track = (p: Promise<unknown>): void => {
    p.catch((err: unknown) => firstError.push(err))
  }
  try {
    const torrents = tx.objectStore('torrents')
    const pieces = tx.objectStore('pieces')
    const hashes = [...new Set(writes.map((w) => w.infoHash))]
    const raws = await Promise.all(hashes.map((h) => torrents.get(h)))
    hashes.forEach((infoHash, k) => {
      const raw: unknown = raws[k]
      if (raw === undefined) {
        refused.set(infoHash, new UnknownTorrentError(infoHash))
        return
      }
      const bits = bitfields.get(infoHash)
      if (!bits) return
      try {
        // Same transaction as the pieces: a reload sees both or neither.
        track(torrents.put({ ...decodeTorrentRecord(raw), bitfield: bits }))
      } catch (err) {
        refused.set(infoHash, err instanceof Error ? err : new StorageError(String(err)))
      }
    })
    for (const w of writes) {
      if (!refused.has(w.infoHash)) track(pieces.put(w.data, [w.infoHash, w.index] satisfies PieceKey))
    }
    await done
  } catch (err) {
    const cause = [tx.error, ...firstError, err].find(isQuotaError) ?? firstError[0] ?? err
    try {
      tx.abort()
    } catch {
      // Already aborted or finished: nothing was committed either way.
    }
    if (isQuotaError(cause)) {
      const bytes = writes.reduce((n, w) => n + w.data.byteLength, 0)
      throw new StorageFullError(`the browser refused to store ${writes.length} piece(s), ${formatBytes(bytes)}. ${await quotaHint()}`, { cause })
    }
    throw new StorageError(`Could not save ${writes.length} piece(s): ${errorMessage(cause)}`, { cause })
  }
  return writes.map((w) => refused.get(w.infoHash) ?? null)
}

async function quotaHint(): Promise<string> {
  const est = await navigator.storage?.estimate?.().catch(() => null)
  const used = est?.usage !== undefined && est.quota !== undefined ? ` (${formatBytes(est.usage)} used of ${formatBytes(est.quota)} allowed)` : ''
  return `Remove torrents or free disk space${used}.`
}

/** Pieces removed per transaction when deleting a torrent. */
const DELETE_BATCH = 64

/**
 * Removes the pieces of a torrent whose record is gone, a bounded batch per transaction: one
 * transaction over gigabytes would hold the `pieces` store and stall every other torrent's
 * writes until it finished. Stops early if the record comes back (the same torrent added again
 * meanwhile), because the new record may already be claiming pieces written since.
 */
export async function deleteOrphanPieces(db: TabswarmDatabase, infoHash: string): Promise<void> {
  let range = pieceRange(infoHash)
  for (;;) {
    const tx = db.transaction(['torrents', 'pieces'], 'readwrite')
    const pieces = tx.objectStore('pieces')
    if ((await tx.objectStore('torrents').count(infoHash)) > 0) {
      await tx.done
      return
    }
    const keys = await pieces.getAllKeys(range, DELETE_BATCH)
    const first = keys[0]
    const last = keys[keys.length - 1]
    if (first !== undefined && last !== undefined) await pieces.delete(IDBKeyRange.bound(first, last))
    await tx.done
    if (last === undefined || keys.length < DELETE_BATCH) return
    range = pieceRange(infoHash, last[1], true)
  }
}

/**
 * Info hashes that have pieces but no record. Visits one key per torrent, not per piece: the
 * cursor jumps past each torrent's last possible key.
 */
export async function findOrphanTorrents(db: TabswarmDatabase): Promise<string[]> {
  const tx = db.transaction(['torrents', 'pieces'])
  const known = new Set<unknown>(await tx.objectStore('torrents').getAllKeys())
  const orphans: string[] = []
  let cursor = await tx.objectStore('pieces').openKeyCursor()
  while (cursor) {
    const key: unknown = cursor.key
    if (!Array.isArray(key) || typeof key[0] !== 'string') {
      cursor = await cursor.continue()
      continue
    }
    const infoHash = key[0]
    if (!known.has(infoHash)) orphans.push(infoHash)
    cursor = await cursor.continue([infoHash, Infinity])
  }
  await tx.done
  return orphans
}
