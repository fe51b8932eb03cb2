// Which piece to ask a peer for next: held pieces first (deadline, then read-ahead, each in byte
// order: a player needs them in that order), then a few random pieces (to have something to
// trade quickly), then rarest-first by availability across connected peers. Skipped pieces
// (only in unchosen files) are never picked.
import type { Bitfield } from '@shared/pieces'
import { DEADLINE, READAHEAD, SKIP, type PiecePriorities } from './priority'

export const RANDOM_FIRST_PIECES = 4

export class PiecePicker {
  readonly availability: Uint16Array

  constructor(
    readonly pieceCount: number,
    readonly priorities: PiecePriorities | null = null,
  ) {
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
    const prio = this.priorities
    if (prio?.hasHolds) {
      for (const level of [DEADLINE, READAHEAD] as const) {
        for (const i of prio.ordered(level)) if (peer.has(i) && !have.has(i) && !busy(i)) return i
      }
    }
    const n = this.pieceCount
    const start = Math.floor(Math.random() * n)
    const random = have.count() < RANDOM_FIRST_PIECES
    let best = -1
    let bestAvail = Infinity
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n
      if (!peer.has(i) || have.has(i) || busy(i)) continue
      if (prio && prio.level(i) === SKIP) continue
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
