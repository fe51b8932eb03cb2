// Finding peers for one torrent: announce to each of its WebSocket trackers, send WebRTC offers
// when the tab's connection budget grants them, answer the offers the trackers relay to us, and
// hand every opened data channel to the torrent. Offers nobody answers expire and are torn down.
// Each announce round goes out without offers; its answer says how many seeders and leechers
// the swarm has, and only then do we ask the budget for offers, as many as there are peers to
// reach: a seeder offers only to leechers (none when the swarm has none: leechers offer to
// seeders), and an offer the tracker could not relay to anyone would only hold a connection.
import { binaryStringToHex, bytesToHex, hexToBinaryString } from '@shared/binary'
import { Kind, randomBinaryId } from '@shared/tracker-protocol'
import type { OutgoingOffer } from '@shared/tracker-protocol'
import { acceptSignal, createSignaller } from './rtc'
import type { PeerChannel, Signaller } from './rtc'
import type { ConnectionBudget, Lease, OfferSeeker } from './connection-budget'
import type { AnnounceFields, TrackerPool, TrackerSocket } from './tracker-client'
import { AnnouncePace } from './announce-pace'

/** Offers per announce (the tracker accepts at most 10). */
const OFFERS_PER_ANNOUNCE = 5
/**
 * An offer unanswered this long is torn down. Answers come as soon as the tracker relays the
 * offer and the answerer has gathered ICE (simple-peer signals after at most 5 s without
 * trickle), so a longer wait only holds a connection the budget could give another torrent.
 */
export const OFFER_TTL_MS = 15_000
const CONNECT_TIMEOUT_MS = 30_000
/** Rounds scrape (for the swarm's "completed" count) at most this often (announce-pace.ts). */
const SCRAPE_MS = 20_000

export interface SwarmHost {
  readonly infoHash: string
  wantPeers(): number
  connectedIds(): string[]
  accepts(peerIdHex: string): boolean
  /** `weOffered`: whether this connection came from our offer (see glare.ts). */
  attach(channel: PeerChannel, peerIdHex: string, name: string, weOffered: boolean): boolean
  fields(): Omit<AnnounceFields, 'offers' | 'event' | 'connected' | 'numwant'>
  trackerStatus(url: string, error: string | null): void
  swarmCounts(c: { complete: number; incomplete: number; downloaded?: number }): void
  /** We have every piece (so we offer only to leechers). */
  seeding(): boolean
  /** How busy the connection to this peer is (bytes/s; >0 while either side is interested). */
  activity(peerIdHex: string): number
}

interface PendingOffer {
  socket: TrackerSocket
  signaller: Signaller
  timer: ReturnType<typeof setTimeout>
  lease: Lease
}

interface SwarmCounts {
  complete: number
  incomplete: number
}

export class SwarmConnector {
  private readonly sockets: TrackerSocket[] = []
  private readonly unsubscribe: (() => void)[] = []
  private readonly pending = new Map<string, PendingOffer>()
  private readonly timers = new Map<TrackerSocket, ReturnType<typeof setTimeout>>()
  private readonly intervals = new Map<TrackerSocket, number>()
  private readonly counts = new Map<TrackerSocket, SwarmCounts>()
  /** An announce round went out and its answer may ask the budget for offers. */
  private readonly roundOpen = new Set<TrackerSocket>()
  private readonly seekers = new Map<TrackerSocket, OfferSeeker>()
  private readonly paces = new Map<TrackerSocket, AnnouncePace>()
  private readonly scrapedAt = new Map<TrackerSocket, number>()
  private stopped = false

  constructor(
    private readonly host: SwarmHost,
    trackerUrls: string[],
    pool: TrackerPool,
    private readonly peerId: Uint8Array,
    private readonly iceServers: () => Promise<RTCIceServer[]>,
    private readonly budget: ConnectionBudget,
  ) {
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
    for (const socket of this.sockets) {
      let first = true
      this.unsubscribe.push(
        socket.subscribe(this.infoHashBin, {
          offer: (from, offerId, offer, name) => void this.onOffer(socket, from, offerId, offer, name),
          answer: (from, offerId, answer, name) => this.onAnswer(from, offerId, answer, name),
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
    for (const socket of this.sockets) {
      socket.send({ kind: Kind.Announce, action: 'announce', info_hash: this.infoHashBin, peer_id: this.peerIdBin(), event: 'stopped', offers: [], ...this.host.fields() })
    }
    for (const u of this.unsubscribe) u()
    this.unsubscribe.length = 0
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
    for (const seeker of this.seekers.values()) this.budget.cancel(seeker)
    this.roundOpen.clear()
    for (const id of [...this.pending.keys()]) this.dropOffer(id)
  }

  /** Offers worth sending on this tracker now: one per peer we could reach, less those pending. */
  private offersWanted(socket: TrackerSocket): number {
    if (this.stopped || !socket.connected) return 0
    let mine = 0
    for (const p of this.pending.values()) if (p.socket === socket) mine++
    return Math.max(0, Math.min(OFFERS_PER_ANNOUNCE, this.unreached(socket)) - mine)
  }

  /** Peers the tracker counts that we want and are not connected to (0 when we want none). */
  private unreached(socket: TrackerSocket): number {
    const c = this.counts.get(socket)
    if (!c) return 0
    // The tracker counts us too: as a seeder in `complete`, as a leecher in `incomplete`.
    const others = this.host.seeding() ? c.incomplete : c.complete + c.incomplete - 1
    return Math.max(0, Math.min(this.host.wantPeers(), others - this.host.connectedIds().length))
  }

  private peerIdBin(): string {
    return hexToBinaryString(bytesToHex(this.peerId))
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
      peer_id: this.peerIdBin(),
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
    const offers = await this.makeOffers(socket, leases)
    if (offers.length === 0) return
    if (this.stopped || !socket.connected) {
      for (const o of offers) this.dropOffer(o.offer_id)
      return
    }
    this.sendAnnounce(socket, offers, 'update')
  }

  private async makeOffers(socket: TrackerSocket, leases: Lease[]): Promise<OutgoingOffer[]> {
    const ice = await this.iceServers() // never rejects: host candidates only when it fails
    const made = await Promise.all(
      leases.map(async (lease) => {
        if (this.stopped) return (lease.release(), null)
        const signaller = createSignaller(true, ice)
        lease.evict = () => signaller.destroy()
        try {
          const offer = await signaller.signal
          if (lease.phase === 'released') throw new Error('evicted while gathering')
          const offerId = randomBinaryId()
          lease.evict = () => this.dropOffer(offerId)
          const timer = setTimeout(() => this.dropOffer(offerId), OFFER_TTL_MS)
          this.pending.set(offerId, { socket, signaller, timer, lease })
          return { offer_id: offerId, offer: { type: 'offer' as const, sdp: offer.sdp } }
        } catch {
          signaller.destroy()
          lease.release()
          return null
        }
      }),
    )
    return made.filter((o) => o !== null)
  }

  /** Tear down an offer nobody answered (or that the budget evicted). */
  private dropOffer(offerId: string): void {
    const p = this.pending.get(offerId)
    if (!p) return
    this.pending.delete(offerId)
    clearTimeout(p.timer)
    p.signaller.destroy()
    p.lease.release()
  }

  private async onOffer(socket: TrackerSocket, fromBin: string, offerId: string, sdp: string, name: string): Promise<void> {
    const from = binaryStringToHex(fromBin)
    if (this.stopped || this.host.wantPeers() <= 0 || !this.host.accepts(from)) return
    // Not the offer budget: a peer that reaches us is real demand, only the tab's cap limits it.
    const lease = this.budget.admit()
    if (!lease) return
    let signaller: Signaller
    try {
      signaller = createSignaller(false, await this.iceServers())
      acceptSignal(signaller, { type: 'offer', sdp })
    } catch {
      return lease.release()
    }
    lease.evict = () => signaller.destroy()
    try {
      const answer = await signaller.signal
      socket.send({
        kind: Kind.Answer,
        action: 'announce',
        info_hash: this.infoHashBin,
        peer_id: this.peerIdBin(),
        to_peer_id: fromBin,
        offer_id: offerId,
        answer: { type: 'answer', sdp: answer.sdp },
        ...(this.host.fields().peer_name ? { peer_name: this.host.fields().peer_name } : {}),
      })
      this.connect(signaller, from, name, lease, false)
    } catch {
      signaller.destroy()
      lease.release()
    }
  }

  private onAnswer(fromBin: string, offerId: string, sdp: string, name: string): void {
    const pending = this.pending.get(offerId)
    if (!pending) return
    const from = binaryStringToHex(fromBin)
    if (!this.host.accepts(from)) return this.dropOffer(offerId)
    this.pending.delete(offerId)
    clearTimeout(pending.timer)
    const { signaller, lease } = pending
    lease.answered()
    lease.evict = () => signaller.destroy()
    try {
      acceptSignal(signaller, { type: 'answer', sdp })
    } catch {
      signaller.destroy()
      return lease.release()
    }
    this.connect(signaller, from, name, lease, true)
  }

  private connect(signaller: Signaller, from: string, name: string, lease: Lease, weOffered: boolean): void {
    const fail = () => {
      signaller.destroy()
      lease.release()
    }
    const timer = setTimeout(fail, CONNECT_TIMEOUT_MS)
    signaller.connected.then(
      (channel) => {
        clearTimeout(timer)
        channel.onClose(() => lease.release())
        if (this.stopped || lease.phase === 'released' || !this.host.attach(channel, from, name, weOffered)) return channel.close()
        lease.evict = () => channel.close()
        lease.opened(() => this.host.activity(from))
      },
      () => {
        clearTimeout(timer)
        fail()
      },
    )
  }
}
