// Figures about a torrent's peers for the UI and the tracker, computed on demand (a few times
// a second) from the peers' meters and bitfields rather than kept up to date per message.
import type { Peer } from './peer'

export function downloadRate(peers: Iterable<Peer>): number {
  let r = 0
  for (const p of peers) r += p.down.rate()
  return r
}

export function uploadRate(peers: Iterable<Peer>): number {
  let r = 0
  for (const p of peers) r += p.up.rate()
  return r
}

/**
 * Distributed copies among `peers` (not counting us): the whole number is how many complete
 * copies they hold between them, the fraction how many pieces exist once more than that. At 1
 * or more the swarm has every piece even if we leave.
 */
export function availability(pieceCount: number, peers: Iterable<Peer>): number {
  if (pieceCount === 0) return 0
  const counts = new Uint16Array(pieceCount)
  for (const p of peers) {
    if (!p.bits) continue
    for (let i = 0; i < pieceCount; i++) if (p.bits.has(i)) counts[i]!++
  }
  let min = Infinity
  for (let i = 0; i < pieceCount; i++) min = Math.min(min, counts[i]!)
  let above = 0
  for (let i = 0; i < pieceCount; i++) if (counts[i]! > min) above++
  return min + above / pieceCount
}
