// The WebRTC half of finding peers for one torrent: the offers we send through a tracker (made
// only when the tab's connection budget grants a slot, torn down when nobody answers), the
// offers the tracker relays to us (answered within the tab's cap), and the hand-over of every
// opened data channel to the torrent. swarm.ts decides when to announce and how many offers
// to ask for; this file owns the offers themselves.
import { binaryStringToHex, hexToBinaryString } from '@shared/binary'
import { Kind, randomBinaryId } from '@shared/tracker-protocol'
import type { OutgoingOffer } from '@shared/tracker-protocol'
import { acceptSignal, createSignaller } from './rtc'
import type { PeerChannel, Signaller } from './rtc'
import type { ConnectionBudget, Lease } from './connection-budget'
import type { AnnounceFields, TrackerSocket } from './tracker-client'

/**
 * An offer unanswered this long is torn down. Answers come as soon as the tracker relays the
 * offer and the answerer has gathered ICE (simple-peer signals after at most 5 s without
 * trickle), so a longer wait only holds a connection the budget could give another torrent.
 */
export const OFFER_TTL_MS = 15_000
const CONNECT_TIMEOUT_MS = 30_000

/** What the offers need of the torrent they find peers for (engine/client.ts implements it). */
export interface OfferHost {
  readonly infoHash: string
  wantPeers(): number
  accepts(peerIdHex: string): boolean
  /** `weOffered`: whether this connection came from our offer (see glare.ts). */
  attach(channel: PeerChannel, peerIdHex: string, name: string, weOffered: boolean): boolean
  fields(): Omit<AnnounceFields, 'offers' | 'event' | 'connected' | 'numwant'>
  /** How busy the connection to this peer is (bytes/s; >0 while either side is interested). */
  activity(peerIdHex: string): number
}

interface PendingOffer {
  socket: TrackerSocket
  signaller: Signaller
  timer: ReturnType<typeof setTimeout>
  lease: Lease
}

export class Offers {
  private readonly pending = new Map<string, PendingOffer>()
  /**
   * Offers granted and still gathering ICE, per tracker. They count as pending: the budget asks
   * again at once whether a torrent wants more (round-robin turns), and before this count a
   * torrent with three peers to reach took all eight offer slots of the tab.
   */
  private readonly making = new Map<TrackerSocket, number>()
  /** Set by the swarm when the torrent stops: nothing new is offered, answered or attached. */
  stopped = false

  constructor(
    private readonly host: OfferHost,
    private readonly peerIdBin: string,
    private readonly iceServers: () => Promise<RTCIceServer[]>,
    private readonly budget: ConnectionBudget,
  ) {}

  /** Offers sent on `socket` that nobody has answered yet. */
  pendingOn(socket: TrackerSocket): number {
    let mine = this.making.get(socket) ?? 0
    for (const p of this.pending.values()) if (p.socket === socket) mine++
    return mine
  }

  /** Creates one offer per granted lease (a lease whose offer fails is given back). */
  async make(socket: TrackerSocket, leases: Lease[]): Promise<OutgoingOffer[]> {
    this.making.set(socket, (this.making.get(socket) ?? 0) + leases.length)
    const made = (): void => {
      const n = (this.making.get(socket) ?? 1) - 1
      if (n > 0) this.making.set(socket, n)
      else this.making.delete(socket)
    }
    const ice = await this.iceServers() // never rejects: host candidates only when it fails
    const offers = await Promise.all(
      leases.map(async (lease) => {
        try {
          return await this.makeOne(socket, lease, ice)
        } finally {
          made()
        }
      }),
    )
    return offers.filter((o) => o !== null)
  }

  private async makeOne(socket: TrackerSocket, lease: Lease, ice: RTCIceServer[]): Promise<OutgoingOffer | null> {
    if (this.stopped) return (lease.release(), null)
    const signaller = createSignaller(true, ice)
    lease.evict = () => signaller.destroy()
    try {
      const offer = await signaller.signal
      if (lease.phase === 'released') throw new Error('evicted while gathering')
      const offerId = randomBinaryId()
      lease.evict = () => this.drop(offerId)
      const timer = setTimeout(() => this.drop(offerId), OFFER_TTL_MS)
      this.pending.set(offerId, { socket, signaller, timer, lease })
      return { offer_id: offerId, offer: { type: 'offer' as const, sdp: offer.sdp } }
    } catch {
      signaller.destroy()
      lease.release()
      return null
    }
  }

  /** Tear down an offer nobody answered (or that the budget evicted). */
  drop(offerId: string): void {
    const p = this.pending.get(offerId)
    if (!p) return
    this.pending.delete(offerId)
    clearTimeout(p.timer)
    p.signaller.destroy()
    p.lease.release()
  }

  dropAll(): void {
    for (const id of [...this.pending.keys()]) this.drop(id)
  }

  /** A peer's offer relayed by the tracker on `socket`: answer it if we want that peer. */
  async onOffer(socket: TrackerSocket, fromBin: string, offerId: string, sdp: string, name: string): Promise<void> {
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
      const ours = this.host.fields().peer_name
      socket.send({
        kind: Kind.Answer,
        action: 'announce',
        info_hash: hexToBinaryString(this.host.infoHash),
        peer_id: this.peerIdBin,
        to_peer_id: fromBin,
        offer_id: offerId,
        answer: { type: 'answer', sdp: answer.sdp },
        ...(ours ? { peer_name: ours } : {}),
      })
      this.connect(signaller, from, name, lease, false)
    } catch {
      signaller.destroy()
      lease.release()
    }
  }

  /** The answer to one of our offers: connect, unless we no longer want that peer. */
  onAnswer(fromBin: string, offerId: string, sdp: string, name: string): void {
    const pending = this.pending.get(offerId)
    if (!pending) return
    const from = binaryStringToHex(fromBin)
    if (!this.host.accepts(from)) return this.drop(offerId)
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
