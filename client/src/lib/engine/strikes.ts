// Integrity bookkeeping: every peer that contributed a block to a piece failing its hash takes
// a strike (a sole contributor takes them all at once); at BAN_STRIKES the peer is banned for
// the life of the torrent, so the swarm connector never dials it again.

/** Strikes before a peer is banned. */
export const BAN_STRIKES = 2

export class Strikes {
  readonly banned = new Set<string>()
  private readonly counts = new Map<string, number>()

  /** Adds `weight` strikes to peer `id`; true when that bans it. */
  add(id: string, weight: number): boolean {
    const n = (this.counts.get(id) ?? 0) + weight
    this.counts.set(id, n)
    if (n < BAN_STRIKES) return false
    this.banned.add(id)
    return true
  }

  /** Strike weight for each contributor of a failed piece. */
  static weightFor(contributors: ReadonlySet<string>): number {
    return contributors.size === 1 ? BAN_STRIKES : 1
  }
}
