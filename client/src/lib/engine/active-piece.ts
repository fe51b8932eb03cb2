// A piece being downloaded: its bytes land in one buffer (one copy per block), and each block
// remembers who was asked for it so endgame duplicates can be cancelled and a peer that leaves
// hands its blocks back at once.
import { BLOCK_SIZE, blockLengthAt, blocksInPiece } from '@shared/pieces'

const MISSING = 0
const REQUESTED = 1
const RECEIVED = 2

export class ActivePiece {
  readonly bytes: Uint8Array
  readonly blockCount: number
  private readonly state: Uint8Array
  private readonly askedOf = new Map<number, Set<string>>()
  /** When each block was last asked of a peer (performance.now()). */
  private readonly askedAt: Float64Array
  received = 0
  /** When the first block was asked for (performance.now()): a deadline piece can be late. */
  readonly startedAt = performance.now()
  /** Peers whose blocks are in this piece: penalised together if the hash fails. */
  readonly contributors = new Set<string>()

  constructor(
    readonly index: number,
    readonly length: number,
  ) {
    this.bytes = new Uint8Array(length)
    this.blockCount = blocksInPiece(length)
    this.state = new Uint8Array(this.blockCount)
    this.askedAt = new Float64Array(this.blockCount)
  }

  blockLength(block: number): number {
    return blockLengthAt(this.length, block)
  }

  /**
   * Next block to ask this peer for; in endgame also blocks already asked of others, but of at
   * most `maxAsks` peers in all, unless its last ask is over `lateMs` old (every peer asked may
   * have gone silent).
   */
  nextBlock(peer: string, endgame: boolean, maxAsks = Infinity, lateMs = Infinity): number {
    for (let b = 0; b < this.blockCount; b++) if (this.state[b] === MISSING) return b
    if (!endgame) return -1
    const now = performance.now()
    for (let b = 0; b < this.blockCount; b++) {
      const asked = this.askedOf.get(b)
      if (this.state[b] !== REQUESTED || asked?.has(peer)) continue
      if ((asked?.size ?? 0) < maxAsks || now - this.askedAt[b]! > lateMs) return b
    }
    return -1
  }

  hasUnrequested(): boolean {
    for (let b = 0; b < this.blockCount; b++) if (this.state[b] === MISSING) return true
    return false
  }

  markRequested(block: number, peer: string): void {
    if (this.state[block] === MISSING) this.state[block] = REQUESTED
    let set = this.askedOf.get(block)
    if (!set) this.askedOf.set(block, (set = new Set()))
    set.add(peer)
    this.askedAt[block] = performance.now()
  }

  /**
   * Stores a block. Returns the other peers that were asked for the same block (to cancel),
   * or null when the block is unexpected or a duplicate.
   */
  receive(begin: number, data: Uint8Array, peer: string): string[] | null {
    if (begin % BLOCK_SIZE !== 0) return null
    const block = begin / BLOCK_SIZE
    if (block >= this.blockCount || data.byteLength !== this.blockLength(block)) return null
    if (this.state[block] === RECEIVED) return null
    this.bytes.set(data, begin)
    this.state[block] = RECEIVED
    this.received++
    this.contributors.add(peer)
    const others = [...(this.askedOf.get(block) ?? [])].filter((p) => p !== peer)
    this.askedOf.delete(block)
    return others
  }

  /** The peer will not deliver (choked us, left, or we cancelled): the block is free again. */
  release(block: number, peer: string): void {
    const set = this.askedOf.get(block)
    if (!set) return
    set.delete(peer)
    if (set.size === 0) {
      this.askedOf.delete(block)
      if (this.state[block] === REQUESTED) this.state[block] = MISSING
    }
  }

  hasRequests(): boolean {
    return this.askedOf.size > 0
  }

  get complete(): boolean {
    return this.received === this.blockCount
  }
}
