// Which files of a torrent are complete (every piece they touch verified): what enables their
// Save button. Cached per torrent by its verified-piece count, since the page refreshes its
// snapshots several times a second and a torrent may hold thousands of files.
import { piecesForFile } from '@shared/pieces'
import type { Bitfield } from '@shared/pieces'
import type { TorrentInfo } from '@shared/torrent'

const cache = new WeakMap<Bitfield, { count: number; done: boolean[] }>()

export function filesComplete(info: TorrentInfo | null, have: Bitfield | null): boolean[] {
  if (!info || !have) return []
  const count = have.count()
  const hit = cache.get(have)
  if (hit && hit.count === count) return hit.done
  const done = info.files.map((f) => {
    const { first, last } = piecesForFile(f, info.pieceLength)
    for (let i = first; i <= last; i++) if (!have.has(i)) return false
    return true
  })
  cache.set(have, { count, done })
  return done
}
