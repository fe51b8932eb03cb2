// Finding peers for one torrent: announce to each of its WebSocket trackers and ask the tab's
// connection budget for offers when there are peers to reach (offers.ts makes, answers and
// connects them). Each announce round goes out without offers; its answer says how many seeders
// and leechers the swarm has, and only then do we ask the budget for offers, as many as there
// are peers to reach: a seeder offers only to leechers (none when the swarm has none: leechers
// offer to seeders), and an offer the tracker could not relay to anyone would only hold a
// connection. Rounds come every interval, sooner while peers are missed (announce-pace.ts).
import { bytesToHex, hexToBinaryString } from '@shared/binary'
import { Kind } from '@shared/tracker-protocol'
import type { OutgoingOffer } from '@shared/tracker-protocol'
import type { ConnectionBudget, Lease, OfferSeeker } from './connection-budget'
import type { TrackerPool, TrackerSocket } from './tracker-client'
import { AnnouncePace } from './announce-pace'
import { Offers, type OfferHost } from './offers'

/** Offers per announce (the tracker accepts at most 10). */
const OFFERS_PER_ANNOUNCE = 5
/** Rounds scrape (for the swarm's "completed" count) at most this often (announce-pace.ts). */
const SCRAPE_MS = 20_000

export interface SwarmHost extends OfferHost {
  connectedIds(): string[]
  trackerStatus(url: string, error: string | null): void
  swarmCounts(c: { complete: number; incomplete: number; downloaded?: number }): void
  /** We have every piece (so we offer only to leechers). */
  seeding(): boolean
}

interface SwarmCounts {
  complete: number
  incomplete: number
}

export class SwarmConnector {
  private readonly sockets: TrackerSocket[] = []
  private readonly unsubscribe: (() => void)[] = []
  private readonly offers: Offers
  private readonly timers = new Map<TrackerSocket, ReturnType<typeof setTimeout>>()
  private readonly intervals = new Map<TrackerSocket, number>()
  private readonly counts = new Map<TrackerSocket, SwarmCounts>()
  /** An announce round went out and its answer may ask the budget for offers. */
  private readonly roundOpen = new Set<TrackerSocket>()
  private readonly seekers = new Map<TrackerSocket, OfferSeeker>()
  private readonly paces = new Map<TrackerSocket, AnnouncePace>()
  private readonly scrapedAt = new Map<TrackerSocket, number>()
  private stopped = false
  private readonly peerIdBin: string

  constructor(
    private readonly host: SwarmHost,
    trackerUrls: string[],
    pool: TrackerPool,
    peerId: Uint8Array,
    iceServers: () => Promise<RTCIceServer[]>,
    private readonly budget: ConnectionBudget,
  ) {
    this.peerIdBin = hexToBinaryString(bytesToHex(peerId))
    this.offers = new Offers(host, this.peerIdBin, iceServers, budget)
    for (const url of trackerUrls) {
      const socket = pool.get(url)
      this.sockets.push(socket)
      this.seekers.set(socket, {
        offersWanted: () => this.offersWanted(socket),
        granted: (leases) => void this.sendOffers(socket, leases),
      })
    }
  }

  private get infoHashBin(): string {
    return hexToBinaryString(this.host.infoHash)
  }

  /** Idempotent: a second start (e.g. resuming after a storage pause) just announces again. */
  start(): void {
    if (!this.stopped && this.unsubscribe.length > 0) return this.announce()
    this.stopped = false
    this.offers.stopped = false
    for (const socket of this.sockets) {
      let first = true
      this.unsubscribe.push(
        socket.subscribe(this.infoHashBin, {
          offer: (from, offerId, offer, name) => void this.offers.onOffer(socket, from, offerId, offer, name),
          answer: (from, offerId, answer, name) => this.offers.onAnswer(from, offerId, answer, name),
          announced: (r) => {
            this.intervals.set(socket, r.interval)
            const before = this.counts.get(socket)
            if (!before || r.complete + r.incomplete > before.complete + before.incomplete) this.pace(socket).peersJoined()
            this.counts.set(socket, { complete: r.complete, incomplete: r.incomplete })
            this.host.swarmCounts(r)
            if (!this.roundOpen.delete(socket)) return
            this.schedule(socket)
            if (this.offersWanted(socket) > 0) this.budget.request(this.seekers.get(socket)!)
            // The announce answer has seeders and leechers; only a scrape adds "completed".
            if (Date.now() - (this.scrapedAt.get(socket) ?? -Infinity) < SCRAPE_MS) return
            this.scrapedAt.set(socket, Date.now())
            socket.send({ kind: Kind.Scrape, action: 'scrape', info_hash: [this.infoHashBin] })
          },
          scraped: (c) => this.host.swarmCounts(c),
          status: (connected, error) => {
            this.host.trackerStatus(socket.url, error)
            // (Re)connected: announce again, since the tracker forgets us when the socket drops.
            if (connected) void this.announceTo(socket, first ? 'started' : undefined).then(() => (first = false))
          },
        }),
      )
    }
  }

  /** Announce now on every tracker (e.g. when the torrent completes). */
  announce(event?: 'completed'): void {
    for (const socket of this.sockets) void this.announceTo(socket, event)
  }

  stop(): void {
    this.stopped = true
    this.offers.stopped = true
    for (const socket of this.sockets) {
      socket.send({ kind: Kind.Announce, action: 'announce', info_hash: this.infoHashBin, peer_id: this.peerIdBin, event: 'stopped', offers: [], ...this.host.fields() })
    }
    for (const u of this.unsubscribe) u()
    this.unsubscribe.length = 0
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
    for (const seeker of this.seekers.values()) this.budget.cancel(seeker)
    this.roundOpen.clear()
    this.offers.dropAll()
  }

  /** Offers worth sending on this tracker now: one per peer we could reach, less those pending. */
  private offersWanted(socket: TrackerSocket): number {
    if (this.stopped || !socket.connected) return 0
    return Math.max(0, Math.min(OFFERS_PER_ANNOUNCE, this.unreached(socket)) - this.offers.pendingOn(socket))
  }

  /** Peers the tracker counts that we want and are not connected to (0 when we want none). */
  private unreached(socket: TrackerSocket): number {
    const c = this.counts.get(socket)
    if (!c) return 0
    // The tracker counts us too: as a seeder in `complete`, as a leecher in `incomplete`.
    const others = this.host.seeding() ? c.incomplete : c.complete + c.incomplete - 1
    return Math.max(0, Math.min(this.host.wantPeers(), others - this.host.connectedIds().length))
  }

  private pace(socket: TrackerSocket): AnnouncePace {
    let pace = this.paces.get(socket)
    if (!pace) this.paces.set(socket, (pace = new AnnouncePace()))
    return pace
  }

  private schedule(socket: TrackerSocket): void {
    const old = this.timers.get(socket)
    if (old) clearTimeout(old)
    const ms = this.pace(socket).nextRoundMs({
      interval: this.intervals.get(socket) ?? null,
      wantPeers: this.host.wantPeers(),
      connected: this.host.connectedIds().length,
      unreached: this.unreached(socket),
      idleSeeder: this.host.seeding() && this.counts.get(socket)?.incomplete === 0,
    })
    this.timers.set(socket, setTimeout(() => void this.announceTo(socket), ms))
  }

  /** An announce round: no offers; its answer decides whether to ask the budget for some. */
  private async announceTo(socket: TrackerSocket, event?: 'started' | 'completed'): Promise<void> {
    if (this.stopped || !socket.connected) return
    this.roundOpen.add(socket)
    // Starting and completing change the swarm's counts: that round's answer scrapes whatever.
    if (event) this.scrapedAt.delete(socket)
    this.sendAnnounce(socket, [], event ?? 'update')
    this.pace(socket).roundSent()
    this.schedule(socket)
  }

  private sendAnnounce(socket: TrackerSocket, offers: OutgoingOffer[], event: 'started' | 'completed' | 'update'): void {
    socket.send({
      kind: Kind.Announce,
      action: 'announce',
      info_hash: this.infoHashBin,
      peer_id: this.peerIdBin,
      numwant: offers.length > 0 ? offers.length : this.host.wantPeers(),
      offers,
      connected: this.host.connectedIds().map(hexToBinaryString),
      event,
      ...this.host.fields(),
    })
  }

  /** The budget granted offer slots: create the offers now (not before) and announce them. */
  private async sendOffers(socket: TrackerSocket, leases: Lease[]): Promise<void> {
    if (this.stopped || !socket.connected) return leases.forEach((l) => l.release())
    const offers = await this.offers.make(socket, leases)
    if (offers.length === 0) return
    if (this.stopped || !socket.connected) {
      for (const o of offers) this.offers.drop(o.offer_id)
      return
    }
    this.sendAnnounce(socket, offers, 'update')
  }
}
