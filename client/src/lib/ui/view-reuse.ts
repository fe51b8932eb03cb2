// Keeps a torrent's previous view when a refresh finds nothing changed. Every refresh builds fresh
// snapshots; handing Svelte a new object per torrent per second re-ran every card's derived
// state and redrew its piece map, so a tab seeding 100 idle torrents spent several times
// WebTorrent's idle CPU repainting pictures that had not changed (BENCHMARKS.md, "Many
// torrents in one tab"). Views are plain data, so a structural comparison is exact.
import type { TorrentView } from './snapshot'

/** `next`, or `prev` itself when the two hold the same data. */
export function reuseUnchanged(prev: TorrentView | undefined, next: TorrentView): TorrentView {
  return prev !== undefined && same(prev, next) ? prev : next
}

/** Reuses, by info hash, every view of `prev` that `next` repeats; the list itself too when nothing changed. */
export function reuseViews(prev: readonly TorrentView[], next: TorrentView[]): TorrentView[] {
  const byHash = new Map(prev.map((v) => [v.infoHash, v]))
  let changed = prev.length !== next.length
  for (let i = 0; i < next.length; i++) {
    const kept = reuseUnchanged(byHash.get(next[i]!.infoHash), next[i]!)
    next[i] = kept
    if (kept !== prev[i]) changed = true
  }
  return changed ? next : (prev as TorrentView[])
}

/** Deep equality for view data: primitives, arrays, byte arrays and plain objects. */
export function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
    return true
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false
    return a.every((v, i) => same(v, b[i]))
  }
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  return ka.every((k) => Object.hasOwn(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}
