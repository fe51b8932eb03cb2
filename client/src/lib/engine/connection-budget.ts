// One budget of WebRTC peer connections for the whole tab, shared by all of its torrents.
//
// Every RTCPeerConnection costs an ICE agent, sockets and a DTLS stack, and Chromium refuses a
// page its 501st; a tab seeding 100 torrents that each kept 5 fresh offers pending held ~450.
// So the tab holds at most `maxLive` connections in every phase (offers waiting for an answer,
// answered ones still connecting, open ones), of which at most `maxPendingOffers` are offers.
// Offers are speculative (most go unanswered), so they only take free room and are shared out
// round-robin among the torrents asking, a few per turn. A peer that reaches us (its offer
// relayed to us, which is how every newcomer arrives: leechers offer to seeders) is real demand:
// it may evict an idle open connection, or else our oldest pending offer, to get in. Peers we
// are trading with are never evicted.
//
// State only, no WebRTC: the swarm connector creates and closes the connections and reports
// each phase through a Lease; tests drive it with a fake clock.

export interface BudgetLimits {
  /** Peer connections of the tab in any phase. */
  maxLive: number
  /** Of those, offers of ours still waiting for an answer. */
  maxPendingOffers: number
  /** Offers one torrent gets per turn of the round-robin. */
  offersPerRound: number
  /** An open connection this young is not evicted: its handshake and interest are under way. */
  graceMs: number
}

/** A heavy tab stays below 40 live connections; one busy torrent still gets 12 peers. */
export const DEFAULT_LIMITS: BudgetLimits = { maxLive: 36, maxPendingOffers: 8, offersPerRound: 2, graceMs: 5000 }

/** A torrent (on one tracker) asking for offer slots. */
export interface OfferSeeker {
  /** Offers it would send now; 0 when it no longer wants any. */
  offersWanted(): number
  /** Slots granted: create that many offers now and announce them, one lease each. */
  granted(leases: Lease[]): void
}

export type LeasePhase = 'offer' | 'connecting' | 'open' | 'released'

/** One peer connection's place in the budget, from creation until it is closed. */
export class Lease {
  phase: LeasePhase
  since: number
  /** Bytes per second moved (plus anything >0 while either side is interested), when open. */
  private activity: () => number = () => 0
  /** Closes the connection when the budget evicts it; the closer then calls release(). */
  evict: () => void = () => undefined

  constructor(
    private readonly budget: ConnectionBudget,
    phase: 'offer' | 'connecting',
    now: number,
  ) {
    this.phase = phase
    this.since = now
  }

  /** Our offer got its answer: it is now a connection being set up. */
  answered(): void {
    if (this.phase !== 'offer') return
    this.phase = 'connecting'
    this.since = this.budget.now()
    this.budget.changed(this, 'offer')
  }

  /** The data channel is open and attached to a torrent. */
  opened(activity: () => number): void {
    if (this.phase === 'released') return
    const was = this.phase
    this.phase = 'open'
    this.since = this.budget.now()
    this.activity = activity
    this.budget.changed(this, was)
  }

  /** The connection is closed (idempotent). */
  release(): void {
    if (this.phase === 'released') return
    const was = this.phase
    this.phase = 'released'
    this.budget.changed(this, was)
  }

  /** Idle: open for longer than the grace period and moving nothing. */
  isIdle(now: number, graceMs: number): boolean {
    return this.phase === 'open' && now - this.since >= graceMs && this.activity() <= 0
  }
}

export class ConnectionBudget {
  private readonly leases = new Set<Lease>()
  private offers = 0
  /** Torrents waiting for offer slots, in turn order. */
  private readonly queue: OfferSeeker[] = []
  private readonly queued = new Set<OfferSeeker>()
  private pumping = false

  constructor(
    readonly limits: BudgetLimits = DEFAULT_LIMITS,
    readonly now: () => number = Date.now,
  ) {}

  /** Connections held right now, in any phase. */
  get live(): number {
    return this.leases.size
  }

  get pendingOffers(): number {
    return this.offers
  }

  /** How many of the live connections are in each phase (for the UI and tests). */
  counts(): Record<Exclude<LeasePhase, 'released'>, number> {
    const c = { offer: 0, connecting: 0, open: 0 }
    for (const l of this.leases) if (l.phase !== 'released') c[l.phase]++
    return c
  }

  /** Offer slots free now. */
  private get free(): number {
    return Math.max(0, Math.min(this.limits.maxPendingOffers - this.offers, this.limits.maxLive - this.leases.size))
  }

  /** Ask for offer slots; they arrive through seeker.granted, now or when its turn comes. */
  request(seeker: OfferSeeker): void {
    if (!this.queued.has(seeker)) {
      this.queued.add(seeker)
      this.queue.push(seeker)
    }
    this.pump()
  }

  /** Forget a seeker (its torrent stopped); leases it holds are released by their closers. */
  cancel(seeker: OfferSeeker): void {
    if (!this.queued.delete(seeker)) return
    const i = this.queue.indexOf(seeker)
    if (i >= 0) this.queue.splice(i, 1)
  }

  /**
   * Room for a connection a peer asked for (we answer its offer). Makes room when the tab is
   * full by evicting the idlest open connection, else our oldest pending offer; null when every
   * connection is busy trading or still being set up.
   */
  admit(): Lease | null {
    if (this.leases.size >= this.limits.maxLive && !this.evictOne()) return null
    const lease = new Lease(this, 'connecting', this.now())
    this.leases.add(lease)
    return lease
  }

  private evictOne(): boolean {
    const now = this.now()
    let victim: Lease | null = null
    for (const l of this.leases) {
      if (l.isIdle(now, this.limits.graceMs) && (!victim || l.since < victim.since)) victim = l
    }
    if (!victim) {
      for (const l of this.leases) if (l.phase === 'offer' && (!victim || l.since < victim.since)) victim = l
    }
    if (!victim) return false
    victim.evict()
    // The closer should have released it; make sure the slot is free either way.
    victim.release()
    return true
  }

  /** Called by a Lease when its phase changes. */
  changed(lease: Lease, was: LeasePhase): void {
    if (was === 'offer') this.offers--
    if (lease.phase === 'released') this.leases.delete(lease)
    this.pump()
  }

  /** Hands free offer slots to the waiting torrents, round-robin, a few per turn. */
  private pump(): void {
    // granted() may release leases synchronously (an offer that fails at once): no re-entry.
    if (this.pumping) return
    this.pumping = true
    try {
      while (this.queue.length > 0 && this.free > 0) {
        const seeker = this.queue.shift()!
        this.queued.delete(seeker)
        // Alone in line, a torrent takes what it wants in one turn: one announce then carries
        // all its offers, and the tracker sends them to as many different peers (offers split
        // over several announces were each sent to peers picked anew, often the same ones).
        const share = this.queue.length > 0 ? this.limits.offersPerRound : Infinity
        const n = Math.min(seeker.offersWanted(), share, this.free)
        if (n <= 0) continue
        const leases: Lease[] = []
        for (let i = 0; i < n; i++) {
          const l = new Lease(this, 'offer', this.now())
          this.leases.add(l)
          this.offers++
          leases.push(l)
        }
        // Wants more than a turn's worth: back to the end of the line.
        if (seeker.offersWanted() > n) {
          this.queued.add(seeker)
          this.queue.push(seeker)
        }
        seeker.granted(leases)
      }
    } finally {
      this.pumping = false
    }
  }
}
