// Tit-for-tat: every round, unchoke the interested peers that gave us the most (while
// downloading) or took the most (while seeding), plus one optimistic unchoke rotated every
// third round so newcomers get a chance to prove themselves.
import type { Peer } from './peer'

export const UNCHOKE_SLOTS = 4
export const ROUND_MS = 10_000
const OPTIMISTIC_EVERY = 3

export interface ChokerHost {
  peers(): Peer[]
  seeding(): boolean
  choke(peer: Peer): void
  unchoke(peer: Peer): void
}

export class Choker {
  private optimistic: Peer | null = null
  private round = 0
  private timer: ReturnType<typeof setInterval> | null = null

  constructor(private readonly host: ChokerHost) {}

  start(): void {
    if (!this.timer) this.timer = setInterval(() => this.rechoke(), ROUND_MS)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** A peer became interested: unchoke at once if a slot is free instead of waiting a round. */
  onInterested(peer: Peer): void {
    const unchoked = this.host.peers().filter((p) => !p.amChoking).length
    if (peer.amChoking && unchoked < UNCHOKE_SLOTS + 1) this.host.unchoke(peer)
  }

  rechoke(): void {
    const peers = this.host.peers()
    const seeding = this.host.seeding()
    const score = (p: Peer) => (seeding ? p.up.rate() : p.down.rate())
    const interested = peers.filter((p) => p.peerInterested)
    interested.sort((a, b) => score(b) - score(a))
    const keep = new Set(interested.slice(0, UNCHOKE_SLOTS))
    if (this.round++ % OPTIMISTIC_EVERY === 0 || !this.optimistic || !interested.includes(this.optimistic)) {
      const rest = interested.filter((p) => !keep.has(p))
      this.optimistic = rest.length > 0 ? rest[Math.floor(Math.random() * rest.length)]! : null
    }
    if (this.optimistic) keep.add(this.optimistic)
    for (const p of peers) {
      if (keep.has(p) && p.amChoking) this.host.unchoke(p)
      else if (!keep.has(p) && !p.amChoking) this.host.choke(p)
    }
  }
}
