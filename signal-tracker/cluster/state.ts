// One node of a cluster of trackers sharing swarms through Redis. Local bookkeeping (which
// peer is on which socket, its roles and reported bytes, rate limits, refusals) is the
// in-memory TrackerState's; what every node must agree on (who is in a swarm, its counts,
// its name) lives in Redis, and relays travel between nodes on per-node channels. An announce
// is one Lua script (scripts.ts); offers to peers on other nodes are published to the node in
// the peer's route; answers go back to the node the offer came from, which alone knows the
// pending offer (the same rule as in one process).

import type { AnnounceMessage, AnswerMessage } from '../../shared/tracker-protocol'
import { binaryStringToHex, hexToBinaryString } from '../../shared/binary'
import * as frames from '../frames'
import { pickWeighted, uploadWeight } from '../select'
import { Peer, Refusal, TrackerState } from '../swarm'
import type { Membership, RefusalCode, Sink, StateOptions } from '../swarm'
import type { InFlight } from '../backpressure'
import type { RedisLink } from './redis'
import {
  decodeCounts, decodeHead, decodeMessage, encodeMessage, encodeRoute, isHexId, nodeChannel,
  routePrefix, splitBatch, swarmKeys,
} from './wire'
import { Outbox } from './outbox'
import { AnnounceBatcher } from './announce-batch'
import type { NodeMessage } from './wire'
import { decodeAnnounceReply, decodeRouteHead, encodeAnnounce } from './announce-wire'
import type { RouteHead } from './announce-wire'

export const UNAVAILABLE = 'tracker temporarily unavailable'
const NO_PENDING = 'no pending offer with that offer_id from to_peer_id to this peer'

/** A local peer, plus the number of its binding: routes name node and connection. */
export class ClusterPeer extends Peer {
  readonly hex: string
  constructor(id: string, sink: Sink, now: number, readonly conn: number) {
    super(id, sink, now)
    this.hex = binaryStringToHex(id)
  }
}

/** An offer sent by a local peer; the ids in hex too, as another node's answer names them. */
interface Pending { toId: string; toHex: string; to: Peer | null; ih: string; ihHex: string; expiresAt: number }
/**
 * An offer from another node delivered to a local peer: where its answer must go. Kept by
 * hex ids (offerer + offer id, and the info hash), as the node message carried them: no
 * conversion per relayed offer, and the answer's message needs them in hex anyway.
 */
interface Hint { node: string; ihHex: string; expiresAt: number }
/** A member Redis offered for an announce's offers; its binary id is made only if it is picked. */
interface Candidate { index: number; hex: string; route: RouteHead }

type RefuseFn = (sink: Sink, code: RefusalCode, reason: string, action?: string, infoHash?: string) => void

/** Adds to a peer's map, dropping its oldest entry (maps keep insertion order) when full. */
function setCapped<V>(maps: Map<Peer, Map<string, V>>, peer: Peer, key: string, value: V, max: number): void {
  let map = maps.get(peer)
  if (!map) maps.set(peer, map = new Map())
  else if (map.size >= max) {
    const oldest = map.keys().next().value
    if (oldest !== undefined) map.delete(oldest)
  }
  map.set(key, value)
}

const ALWAYS = (): boolean => true
const weightOf = (c: Candidate): number => uploadWeight(c.route.uploaded)
const noop = (): void => {}

export class ClusterState extends TrackerState {
  private conns = 0
  private readonly offers = new Map<Peer, Map<string, Pending>>()
  private readonly hints = new Map<Peer, Map<string, Hint>>()
  /** Local peers by hex id: node messages name peers in hex. */
  private readonly byHex = new Map<string, ClusterPeer>()
  /** Until when each local swarm is listed in the cluster's swarm index. */
  readonly indexedUntil = new Map<string, number>()
  /** Set by the server to the gateway's refuse, so refusals found later are counted too. */
  refuse: RefuseFn = (sink, _code, reason, action, ih) => sink.deliver(frames.failure(reason, action, ih))
  /** Node messages that failed to decode, and Redis calls that failed. */
  badMessages = 0
  redisErrors = 0
  /** Answers the peersQuery messages of other nodes (set by views.ts). */
  peersReply: (limit: number) => string = () => '{"total":0,"peers":[]}'
  onPeersReply: (reqId: string, body: string) => void = noop

  /** Offers, answers and refusals for other nodes, one publish per node per turn. */
  private readonly outbox: Outbox
  /** Announces for Redis, one script call per turn. */
  private readonly batcher: AnnounceBatcher

  constructor(opts: StateOptions, readonly nodeId: string, readonly link: RedisLink) {
    super(opts)
    this.outbox = new Outbox(link)
    this.batcher = new AnnounceBatcher(link)
    this.outbox.onDelivered = (n) => { this.offersRelayed += n }
    this.outbox.onError = () => { this.redisErrors++ }
  }

  get peerLifetimeMs(): number { return this.lifetimeMs }
  get backlog(): InFlight { return this.link.inFlight }

  override bind(id: string, sink: Sink, now: number): Peer {
    const p = new ClusterPeer(id, sink, now, ++this.conns)
    this.peers.set(id, p)
    this.byHex.set(p.hex, p)
    return p
  }

  /** The route this node writes for a local membership. */
  routeOf(p: ClusterPeer, m: Membership, now: number): string {
    return encodeRoute({ node: this.nodeId, conn: p.conn, uploaded: m.uploaded, downloaded: m.downloaded, lastSeen: now, name: p.name })
  }

  override announce(peer: Peer, msg: AnnounceMessage, now: number): void {
    const p = peer as ClusterPeer
    this.announces++
    peer.lastSeen = now
    if (msg.peer_name !== undefined) peer.setName(msg.peer_name)
    const ihHex = binaryStringToHex(msg.info_hash)
    const k = swarmKeys(ihHex)
    const was = peer.torrents.get(msg.info_hash)
    if (msg.event === 'stopped') {
      if (was) this.leave(was)
      if (!this.link.up) throw new Refusal('tracker_unavailable', UNAVAILABLE)
      const json = { infoHashJson: JSON.stringify(msg.info_hash) }
      this.link.run('tsLeave', [k.p, k.s, k.r], [now, p.hex, routePrefix(this.nodeId, p.conn)]).then((reply) => {
        const h = decodeHead(reply, 1)
        if (!h) return this.failed(peer.sink, 'announce', msg.info_hash)
        peer.sink.deliver(frames.announceResponse(json, this.opts.interval, h.complete, h.incomplete))
      }, () => this.failed(peer.sink, 'announce', msg.info_hash))
      return
    }
    const m = this.enter(peer, msg, now, was)
    const cat = msg.file_name !== undefined || msg.file_size !== undefined
    if (cat) this.catalogue(m.swarm, msg, m.seeder)
    // Refused only now: the peer is alive, and when Redis is back this node re-registers it
    // from the membership just refreshed.
    if (!this.link.up) throw new Refusal('tracker_unavailable', UNAVAILABLE)
    const want = msg.offers.length === 0 ? 0 : Math.min(msg.offers.length, msg.numwant ?? msg.offers.length)
    const pool = want === 0 ? 0 : Math.max(8, want * 3)
    this.batcher.add({
      keys: [k.p, k.s, k.r, k.i],
      args: [encodeAnnounce({
        now, expiresAt: m.expiresAt, id: p.hex, route: this.routeOf(p, m, now), seeder: m.seeder, event: msg.event,
        pool, ttlMs: this.lifetimeMs, name: msg.file_name, size: msg.file_size,
      })],
      done: (reply) => this.announced(p, m, msg, ihHex, want, reply, now),
      fail: () => this.failed(peer.sink, 'announce', msg.info_hash),
    })
    if (!this.indexedUntil.has(msg.info_hash)) this.index(msg.info_hash, now)
  }

  /** Lists a swarm in the cluster's index (admin views); refreshed by the heartbeat. */
  index(ih: string, now: number): void {
    const until = now + this.lifetimeMs
    this.indexedUntil.set(ih, until)
    this.link.command('ZADD', ['ts:swarms', until, binaryStringToHex(ih)]).catch(noop)
  }

  private failed(sink: Sink, action: string, infoHash?: string): void {
    this.redisErrors++
    this.refuse(sink, 'tracker_unavailable', UNAVAILABLE, action, infoHash)
  }

  private announced(p: ClusterPeer, m: Membership, msg: AnnounceMessage, ihHex: string, want: number, reply: unknown, now: number): void {
    const h = decodeAnnounceReply(reply)
    if (!h) return this.failed(p.sink, 'announce', msg.info_hash)
    p.sink.deliver(frames.announceResponse(m.swarm, this.opts.interval, h.complete, h.incomplete))
    if (want === 0 || this.peers.get(p.id) !== p) return
    const cands: Candidate[] = []
    // Compared in hex, as Redis returns them: no binary id per candidate.
    const connected = msg.connected?.map(binaryStringToHex)
    for (let i = 0; i + 1 < h.members.length; i += 2) {
      const hex = h.members[i]
      if (!isHexId(hex) || hex === p.hex || connected?.includes(hex)) continue
      const route = decodeRouteHead(h.members[i + 1])
      if (route) cands.push({ index: cands.length, hex, route })
    }
    const targets = pickWeighted(cands, want, ALWAYS, weightOf, [])
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!
      const o = msg.offers[i]!
      const toId = hexToBinaryString(t.hex)
      const pending: Pending = { toId, toHex: t.hex, to: null, ih: msg.info_hash, ihHex, expiresAt: now + this.opts.offerTtlMs }
      this.remember(p, o.offer_id, pending)
      const frame = frames.relayedOffer(m.swarm, p, o.offer_id, o.offer.sdp)
      if (t.route.node === this.nodeId) {
        const local = this.peers.get(toId)
        if (local instanceof ClusterPeer && local.conn === t.route.conn && local.sink.isOpen) {
          pending.to = local
          local.sink.deliver(frame)
          this.offersRelayed++
        }
        continue
      }
      const out = encodeMessage({ kind: 'offer', to: t.hex, conn: t.route.conn, fromNode: this.nodeId, from: p.hex, offerId: binaryStringToHex(o.offer_id), ih: ihHex, frame })
      // Nobody subscribed to that node's channel: the node is gone, and so are its peers.
      this.outbox.send(t.route.node, out, () => this.purge(ihHex, t.hex, t.route), true)
    }
  }

  /** Removes a peer of a dead node from a swarm (if its route still names that node). */
  private purge(ihHex: string, hex: string, route: RouteHead): void {
    const k = swarmKeys(ihHex)
    this.link.run('tsLeave', [k.p, k.s, k.r], [Date.now(), hex, routePrefix(route.node, route.conn)]).catch(noop)
  }

  private remember(from: Peer, offerId: string, p: Pending): void {
    setCapped(this.offers, from, offerId, p, this.opts.maxPendingOffersPerPeer)
  }

  override answer(peer: Peer, msg: AnswerMessage, now: number): void {
    peer.lastSeen = now
    if (msg.peer_name !== undefined) peer.setName(msg.peer_name)
    const offerer = this.peers.get(msg.to_peer_id)
    const json = { infoHashJson: JSON.stringify(msg.info_hash) }
    if (offerer) {
      // The offerer is here: exactly the single-process rule.
      const map = this.offers.get(offerer)
      const p = map?.get(msg.offer_id)
      if (!p || p.toId !== peer.id || (p.to !== null && p.to !== peer) || p.ih !== msg.info_hash || p.expiresAt < now) {
        throw new Refusal('no_pending_offer', NO_PENDING)
      }
      map!.delete(msg.offer_id)
      offerer.sink.deliver(frames.relayedAnswer(json, peer, msg.offer_id, msg.answer.sdp))
      this.answersRelayed++
      return
    }
    // Any offer to this peer from elsewhere came through this node, which noted its origin;
    // without that note there is nothing to answer, and nothing is sent across.
    const hints = this.hints.get(peer)
    const to = binaryStringToHex(msg.to_peer_id)
    const offerId = binaryStringToHex(msg.offer_id)
    const key = to + offerId
    const h = hints?.get(key)
    if (!h || h.ihHex !== binaryStringToHex(msg.info_hash) || h.expiresAt < now) throw new Refusal('no_pending_offer', NO_PENDING)
    hints!.delete(key)
    if (!this.link.up) throw new Refusal('tracker_unavailable', UNAVAILABLE)
    const out = encodeMessage({
      kind: 'answer', to, fromNode: this.nodeId, from: (peer as ClusterPeer).hex, offerId, ih: h.ihHex,
      frame: frames.relayedAnswer(json, peer, msg.offer_id, msg.answer.sdp),
    })
    this.outbox.send(h.node, out)
  }

  override scrapeTo(sink: Sink, hashes: readonly string[]): void {
    this.scrapes++
    if (!this.link.up) return this.refuse(sink, 'tracker_unavailable', UNAVAILABLE, 'scrape')
    const now = Date.now()
    this.link.batch(hashes.map((h) => {
      const k = swarmKeys(binaryStringToHex(h))
      return { script: 'tsCounts' as const, keys: [k.p, k.s, k.i], args: [now] }
    })).then((replies) => {
      const files = new Map<string, frames.ScrapeCounts>()
      for (let i = 0; i < hashes.length; i++) {
        const c = decodeCounts(replies[i])
        if (!c) return this.failed(sink, 'scrape')
        files.set(hashes[i]!, { complete: c.complete, incomplete: c.incomplete, downloaded: c.completed })
      }
      sink.deliver(frames.scrapeResponse(files, this.opts.interval))
    }, () => this.failed(sink, 'scrape'))
  }

  override remove(peer: Peer): void {
    if (this.peers.get(peer.id) === peer && this.link.up) {
      const p = peer as ClusterPeer
      const now = Date.now()
      for (const ih of peer.torrents.keys()) {
        const k = swarmKeys(binaryStringToHex(ih))
        this.link.run('tsLeave', [k.p, k.s, k.r], [now, p.hex, routePrefix(this.nodeId, p.conn)]).catch(noop)
      }
    }
    this.offers.delete(peer)
    this.hints.delete(peer)
    const hex = (peer as ClusterPeer).hex
    if (this.byHex.get(hex) === peer) this.byHex.delete(hex)
    super.remove(peer)
  }

  override sweep(now: number): void {
    super.sweep(now)
    for (const maps of [this.offers, this.hints] as Map<Peer, Map<string, { expiresAt: number }>>[]) {
      for (const [peer, map] of maps) {
        for (const [k, v] of map) if (v.expiresAt < now) map.delete(k)
        if (map.size === 0) maps.delete(peer)
      }
    }
    for (const ih of this.indexedUntil.keys()) if (!this.swarms.has(ih)) this.indexedUntil.delete(ih)
  }

  /** A message on this node's channel. */
  onNodeMessage(raw: unknown): void {
    const now = Date.now()
    for (const part of splitBatch(raw)) {
      const m = decodeMessage(part)
      if (!m) this.badMessages++
      else this.handle(m, now)
    }
  }

  private handle(m: NodeMessage, now: number): void {
    switch (m.kind) {
      case 'offer': {
        const to = this.byHex.get(m.to)
        if (!to || to.conn !== m.conn || !to.sink.isOpen) return
        const hint: Hint = { node: m.fromNode, ihHex: m.ih, expiresAt: now + this.opts.offerTtlMs }
        setCapped(this.hints, to, m.from + m.offerId, hint, this.opts.maxPendingOffersPerPeer)
        to.sink.deliver(m.frame)
        return
      }
      case 'answer': {
        const offerer = this.byHex.get(m.to)
        const offerId = hexToBinaryString(m.offerId)
        const map = offerer && this.offers.get(offerer)
        const p = map?.get(offerId)
        if (!offerer || !p || p.toHex !== m.from || p.ihHex !== m.ih || p.expiresAt < now) {
          this.outbox.send(m.fromNode, encodeMessage({ kind: 'refused', to: m.from, ih: m.ih }))
          return
        }
        map!.delete(offerId)
        offerer.sink.deliver(m.frame)
        this.answersRelayed++
        return
      }
      case 'refused': {
        const p = this.byHex.get(m.to)
        if (p) this.refuse(p.sink, 'no_pending_offer', NO_PENDING, 'announce', hexToBinaryString(m.ih))
        return
      }
      case 'peersQuery':
        this.link.publish(nodeChannel(m.fromNode), encodeMessage({ kind: 'peers', reqId: m.reqId, body: this.peersReply(m.limit) })).catch(noop)
        return
      case 'peers':
        this.onPeersReply(m.reqId, m.body)
    }
  }
}
