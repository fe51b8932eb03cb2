// Errors the storage layer raises, so callers can tell "the disk is full" (stop downloading,
// tell the user) from "this torrent was removed meanwhile" (drop the piece quietly).

/** The browser refused a write for lack of quota. Every write of that batch is rejected with it. */
export class StorageFullError extends Error {
  override name = 'StorageFullError'
  constructor(
    /** What was refused and how to make room; the message adds "Storage is full" before it. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Storage is full: ${detail}`, options)
  }
}

/** A piece was written for a torrent that has no record (never added, or removed meanwhile). */
export class UnknownTorrentError extends Error {
  override name = 'UnknownTorrentError'
  constructor(readonly infoHash: string) {
    super(`Torrent ${infoHash} is not in storage (removed?): its piece was not saved`)
  }
}

/** IndexedDB failed for a reason other than quota (disk error, connection closed, bad value). */
export class StorageError extends Error {
  override name = 'StorageError'
}

export function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string' ? err.name : ''
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err)) {
    const m = (err as { message: unknown }).message
    if (typeof m === 'string' && m !== '') return m
  }
  return String(err)
}

/** Chrome reports a full disk or exhausted origin quota as a QuotaExceededError DOMException. */
export function isQuotaError(err: unknown): boolean {
  return errorName(err) === 'QuotaExceededError'
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`
}
