// Finding peers for one torrent: announce to each of its WebSocket trackers with fresh WebRTC
// offers, answer the offers the trackers relay to us, and hand every opened data channel to
// the torrent. Offers nobody answers expire and are torn down.
import { binaryStringToHex, bytesToHex, hexToBinaryString } from '../../../../shared/binary'
import { Kind, randomBinaryId } from '../../../../shared/tracker-protocol'
import { acceptSignal, createSignaller } from './rtc'
import type { PeerChannel, Signaller } from './rtc'
import type { AnnounceFields, TrackerPool, TrackerSocket } from './tracker-client'

/** Offers per announce (the tracker accepts at most 10). */
const OFFERS_PER_ANNOUNCE = 5
const OFFER_TTL_MS = 50_000
const CONNECT_TIMEOUT_MS = 30_000
/** Re-announce at least this often while we want more peers, whatever the tracker's interval. */
const EAGER_INTERVAL_MS = 30_000

export interface SwarmHost {
  readonly infoHash: string
  wantPeers(): number
  connectedIds(): string[]
  accepts(peerIdHex: string): boolean
  attach(channel: PeerChannel, peerIdHex: string, name: string): boolean
  fields(): Omit<AnnounceFields, 'offers' | 'event' | 'connected' | 'numwant'>
  trackerStatus(url: string, error: string | null): void
  swarmCounts(c: { complete: number; incomplete: number; downloaded?: number }): void
}

interface PendingOffer {
  signaller: Signaller
  timer: ReturnType<typeof setTimeout>
}

export class SwarmConnector {
  private readonly sockets: TrackerSocket[] = []
  private readonly unsubscribe: (() => void)[] = []
  private readonly pending = new Map<string, PendingOffer>()
  private readonly timers = new Map<TrackerSocket, ReturnType<typeof setTimeout>>()
  private readonly intervals = new Map<TrackerSocket, number>()
  private stopped = false

  constructor(
    private readonly host: SwarmHost,
    trackerUrls: string[],
    pool: TrackerPool,
    private readonly peerId: Uint8Array,
    private readonly iceServers: () => Promise<RTCIceServer[]>,
  ) {
    for (const url of trackerUrls) this.sockets.push(pool.get(url))
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
            this.host.swarmCounts(r)
            this.schedule(socket)
            // The announce answer has seeders and leechers; only a scrape adds "completed".
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
    for (const p of this.pending.values()) {
      clearTimeout(p.timer)
      p.signaller.destroy()
    }
    this.pending.clear()
  }

  private peerIdBin(): string {
    return hexToBinaryString(bytesToHex(this.peerId))
  }

  private schedule(socket: TrackerSocket): void {
    const old = this.timers.get(socket)
    if (old) clearTimeout(old)
    const interval = (this.intervals.get(socket) ?? 120) * 1000
    const ms = this.host.wantPeers() > 0 ? Math.min(interval, EAGER_INTERVAL_MS) : interval
    this.timers.set(socket, setTimeout(() => void this.announceTo(socket), ms))
  }

  private async announceTo(socket: TrackerSocket, event?: 'started' | 'completed'): Promise<void> {
    if (this.stopped || !socket.connected) return
    const want = Math.min(OFFERS_PER_ANNOUNCE, this.host.wantPeers())
    const offers = await this.makeOffers(want)
    if (this.stopped) return
    socket.send({
      kind: Kind.Announce,
      action: 'announce',
      info_hash: this.infoHashBin,
      peer_id: this.peerIdBin(),
      numwant: want,
      offers,
      connected: this.host.connectedIds().map(hexToBinaryString),
      event: event ?? 'update',
      ...this.host.fields(),
    })
    this.schedule(socket)
  }

  private async makeOffers(n: number): Promise<{ offer_id: string; offer: { type: 'offer'; sdp: string } }[]> {
    if (n <= 0) return []
    const ice = await this.iceServers()
    const made = await Promise.all(
      Array.from({ length: n }, async () => {
        const signaller = createSignaller(true, ice)
        try {
          const offer = await signaller.signal
          const offerId = randomBinaryId()
          const timer = setTimeout(() => {
            this.pending.delete(offerId)
            signaller.destroy()
          }, OFFER_TTL_MS)
          this.pending.set(offerId, { signaller, timer })
          return { offer_id: offerId, offer: { type: 'offer' as const, sdp: offer.sdp } }
        } catch {
          signaller.destroy()
          return null
        }
      }),
    )
    return made.filter((o) => o !== null)
  }

  private async onOffer(socket: TrackerSocket, fromBin: string, offerId: string, sdp: string, name: string): Promise<void> {
    const from = binaryStringToHex(fromBin)
    if (this.stopped || this.host.wantPeers() <= 0 || !this.host.accepts(from)) return
    const signaller = createSignaller(false, await this.iceServers())
    acceptSignal(signaller, { type: 'offer', sdp })
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
      this.connect(signaller, from, name)
    } catch {
      signaller.destroy()
    }
  }

  private onAnswer(fromBin: string, offerId: string, sdp: string, name: string): void {
    const pending = this.pending.get(offerId)
    if (!pending) return
    this.pending.delete(offerId)
    clearTimeout(pending.timer)
    const from = binaryStringToHex(fromBin)
    if (!this.host.accepts(from)) return pending.signaller.destroy()
    try {
      acceptSignal(pending.signaller, { type: 'answer', sdp })
    } catch {
      return pending.signaller.destroy()
    }
    this.connect(pending.signaller, from, name)
  }

  private connect(signaller: Signaller, from: string, name: string): void {
    const timer = setTimeout(() => signaller.destroy(), CONNECT_TIMEOUT_MS)
    signaller.connected.then(
      (channel) => {
        clearTimeout(timer)
        if (this.stopped || !this.host.attach(channel, from, name)) channel.close()
      },
      () => {
        clearTimeout(timer)
        signaller.destroy()
      },
    )
  }
}
