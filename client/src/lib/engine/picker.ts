// Which piece to ask a peer for next: a few random pieces first (to have something to trade
// quickly), then rarest-first by availability across connected peers.
import type { Bitfield } from '../../../../shared/pieces'

export const RANDOM_FIRST_PIECES = 4

export class PiecePicker {
  readonly availability: Uint16Array

  constructor(readonly pieceCount: number) {
    this.availability = new Uint16Array(pieceCount)
  }

  addPeer(bits: Bitfield): void {
    for (let i = 0; i < this.pieceCount; i++) if (bits.has(i)) this.availability[i]!++
  }

  removePeer(bits: Bitfield): void {
    for (let i = 0; i < this.pieceCount; i++) if (bits.has(i) && this.availability[i]! > 0) this.availability[i]!--
  }

  addHave(index: number): void {
    if (index >= 0 && index < this.pieceCount) this.availability[index]!++
  }

  /**
   * A piece the peer has, we lack and nobody is fetching; -1 if none. Ties are broken by a
   * random starting point so peers do not all chase the same piece.
   */
  pick(peer: Bitfield, have: Bitfield, busy: (index: number) => boolean): number {
    const n = this.pieceCount
    const start = Math.floor(Math.random() * n)
    const random = have.count() < RANDOM_FIRST_PIECES
    let best = -1
    let bestAvail = Infinity
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n
      if (!peer.has(i) || have.has(i) || busy(i)) continue
      if (random) return i
      const a = this.availability[i]!
      if (a < bestAvail) {
        best = i
        bestAvail = a
        if (a <= 1) break
      }
    }
    return best
  }
}
