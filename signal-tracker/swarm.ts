// Tracker state: peers, swarms, pending offers and the counters the admin views read. Knows
// nothing of sockets or HTTP: peers talk through a Sink, frames arrive already decoded. Every
// operation on the announce path is O(1) in the number of peers and swarms (map lookups, swap
// removal, a bounded weighted pick); only the periodic sweep walks everything.

import type { AnnounceMessage, AnswerMessage } from '../shared/tracker-protocol'
import type { TrackerCore } from './core'
import * as frames from './frames'
import { pickWeighted, uploadWeight } from './select'

/** Where a peer's frames go: its WebSocket, in practice. */
export interface Sink {
  deliver(frame: string): void
  readonly isOpen: boolean
}

/** A refusal the caller answers with `failure reason` and counts. */
export class Refusal extends Error {
  constructor(readonly code: RefusalCode, message: string) { super(message) }
}

export type RefusalCode =
  | 'rate_limited' | 'binary_frame' | 'frame_too_large' | 'malformed' | 'peer_id_taken'
  | 'too_many_peer_ids' | 'too_many_torrents' | 'no_pending_offer' | 'scrape_without_hash'
  | 'connection_limit' | 'slow_consumer' | 'internal_error' | 'tracker_unavailable'

export class Peer {
  readonly idJson: string
  nameField = ''
  name = ''
  lastSeen: number
  /** Cumulative bytes this peer has reported, over all its torrents. */
  uploaded = 0
  downloaded = 0
  readonly torrents = new Map<string, Membership>()
  /** Offers this peer sent that await an answer, by offer_id; null when none (the usual case). */
  pending: Map<string, PendingOffer> | null = null

  constructor(readonly id: string, readonly sink: Sink, readonly firstSeen: number) {
    this.idJson = JSON.stringify(id)
    this.lastSeen = firstSeen
  }

  setName(name: string): void {
    if (name === this.name) return
    this.name = name
    this.nameField = name ? ',"peer_name":' + JSON.stringify(name) : ''
  }
}

export class Membership {
  seeder = false
  /** Last values reported for this torrent, to turn cumulative reports into deltas. */
  uploaded = 0
  downloaded = 0
  index = -1
  constructor(readonly peer: Peer, readonly swarm: Swarm, public expiresAt: number) {}
}

export class Swarm {
  readonly infoHashJson: string
  name: string | undefined
  size: number | undefined
  nameFromSeeder = false
  readonly members: Membership[] = []
  seeders = 0
  leechers = 0
  /** Leecher-to-seeder transitions seen (the scrape's `downloaded`). */
  completed = 0
  constructor(readonly infoHash: string) { this.infoHashJson = JSON.stringify(infoHash) }
}

interface PendingOffer { to: Peer; swarm: Swarm; expiresAt: number }

export interface StateOptions {
  /** Announce interval told to clients, seconds. */
  interval: number
  /** A membership not refreshed within interval + this is evicted. */
  evictionGraceMs: number
  offerTtlMs: number
  maxTorrentsPerPeer: number
  maxPendingOffersPerPeer: number
}

export class TrackerState implements TrackerCore {
  readonly peers = new Map<string, Peer>()
  readonly swarms = new Map<string, Swarm>()
  readonly withPending = new Set<Peer>()
  /** Peers in at least one swarm: the ones the admin views list. */
  listedPeers = 0
  seeders = 0
  leechers = 0
  bytesUploaded = 0
  bytesDownloaded = 0
  announces = 0
  scrapes = 0
  offersRelayed = 0
  answersRelayed = 0
  evictedByInterval = 0
  private readonly picked: Membership[] = []

  constructor(readonly opts: StateOptions) {}

  protected get lifetimeMs(): number { return this.opts.interval * 1000 + this.opts.evictionGraceMs }

  /** Handles an announce from `peer` (already bound to its socket): membership, reply, offers. */
  announce(peer: Peer, msg: AnnounceMessage, now: number): void {
    this.announces++
    peer.lastSeen = now
    if (msg.peer_name !== undefined) peer.setName(msg.peer_name)
    const was = peer.torrents.get(msg.info_hash)
    if (msg.event === 'stopped') {
      const swarm = was?.swarm ?? this.swarms.get(msg.info_hash)
      if (was) this.leave(was)
      const s = swarm ?? { infoHashJson: JSON.stringify(msg.info_hash), seeders: 0, leechers: 0 }
      peer.sink.deliver(frames.announceResponse(s, this.opts.interval, s.seeders, s.leechers))
      return
    }
    const m = this.enter(peer, msg, now, was)
    const swarm = m.swarm
    if (msg.file_name !== undefined || msg.file_size !== undefined) this.catalogue(swarm, msg, m.seeder)
    peer.sink.deliver(frames.announceResponse(swarm, this.opts.interval, swarm.seeders, swarm.leechers))
    if (msg.offers.length > 0) this.relayOffers(m, msg, now)
  }

  protected join(peer: Peer, swarm: Swarm, now: number, msg: AnnounceMessage): Membership {
    const m = new Membership(peer, swarm, now + this.lifetimeMs)
    m.seeder = msg.left === 0 || msg.event === 'completed'
    if (msg.event === 'completed') swarm.completed++
    if (m.seeder) { swarm.seeders++; this.seeders++ } else { swarm.leechers++; this.leechers++ }
    m.index = swarm.members.length
    swarm.members.push(m)
    if (peer.torrents.size === 0) this.listedPeers++
    peer.torrents.set(swarm.infoHash, m)
    return m
  }

  protected updateRole(m: Membership, msg: AnnounceMessage): void {
    const seeder = msg.left === 0 || msg.event === 'completed' ? true : msg.left === undefined ? m.seeder : false
    if (seeder === m.seeder) return
    const s = m.swarm
    m.seeder = seeder
    if (seeder) {
      s.completed++
      s.seeders++; s.leechers--; this.seeders++; this.leechers--
    } else {
      s.seeders--; s.leechers++; this.seeders--; this.leechers++
    }
  }

  /** Reported totals are cumulative per torrent; a drop means the client restarted counting. */
  protected report(m: Membership, msg: AnnounceMessage): void {
    if (msg.uploaded !== undefined) {
      const d = msg.uploaded >= m.uploaded ? msg.uploaded - m.uploaded : msg.uploaded
      m.uploaded = msg.uploaded
      m.peer.uploaded += d
      this.bytesUploaded += d
    }
    if (msg.downloaded !== undefined) {
      const d = msg.downloaded >= m.downloaded ? msg.downloaded - m.downloaded : msg.downloaded
      m.downloaded = msg.downloaded
      m.peer.downloaded += d
      this.bytesDownloaded += d
    }
  }

  /** First name wins, except that a seeder's word replaces a leecher's (it has the metadata). */
  protected catalogue(s: Swarm, msg: AnnounceMessage, seeder: boolean): void {
    if (s.name !== undefined && (s.nameFromSeeder || !seeder)) return
    if (msg.file_name) s.name = msg.file_name
    if (msg.file_size !== undefined) s.size = msg.file_size
    s.nameFromSeeder = seeder
  }

  // The sender, its `connected` list and whether it seeds, read by `eligible` during one pick
  // (no closures per call). Two seeders have nothing to trade: a seeder's offers go to leechers.
  private pickFor: Peer | null = null
  private pickExcluding: string[] | undefined = undefined
  private pickSeeder = false
  private readonly eligible = (c: Membership): boolean =>
    c.peer !== this.pickFor && c.peer.sink.isOpen && !(this.pickSeeder && c.seeder) &&
    (this.pickExcluding === undefined || !this.pickExcluding.includes(c.peer.id))
  private readonly weight = (c: Membership): number => uploadWeight(c.peer.uploaded)

  /** Joins the announced swarm or refreshes the membership `m`, then applies the peer's report. */
  protected enter(peer: Peer, msg: AnnounceMessage, now: number, m: Membership | undefined): Membership {
    if (!m) {
      if (peer.torrents.size >= this.opts.maxTorrentsPerPeer) {
        throw new Refusal('too_many_torrents', `a peer may be in at most ${this.opts.maxTorrentsPerPeer} torrents`)
      }
      let swarm = this.swarms.get(msg.info_hash)
      if (!swarm) {
        swarm = new Swarm(msg.info_hash)
        this.swarms.set(msg.info_hash, swarm)
      }
      m = this.join(peer, swarm, now, msg)
    } else {
      m.expiresAt = now + this.lifetimeMs
      this.updateRole(m, msg)
    }
    this.report(m, msg)
    return m
  }

  private relayOffers(m: Membership, msg: AnnounceMessage, now: number): void {
    const sender = m.peer
    const want = Math.min(msg.offers.length, msg.numwant ?? msg.offers.length)
    this.pickFor = sender
    this.pickExcluding = msg.connected
    this.pickSeeder = m.seeder
    const targets = pickWeighted(m.swarm.members, want, this.eligible, this.weight, this.picked)
    this.pickFor = null
    this.pickExcluding = undefined
    const expiresAt = now + this.opts.offerTtlMs
    for (let i = 0; i < targets.length; i++) {
      const to = targets[i]!.peer
      const o = msg.offers[i]!
      this.addPending(sender, o.offer_id, { to, swarm: m.swarm, expiresAt })
      to.sink.deliver(frames.relayedOffer(m.swarm, sender, o.offer_id, o.offer.sdp))
      this.offersRelayed++
    }
    targets.length = 0
  }

  private addPending(from: Peer, offerId: string, p: PendingOffer): void {
    let map = from.pending
    if (!map) {
      map = from.pending = new Map()
      this.withPending.add(from)
    } else if (map.size >= this.opts.maxPendingOffersPerPeer) {
      // Maps iterate in insertion order: the first key is the oldest offer.
      const oldest = map.keys().next().value
      if (oldest !== undefined) map.delete(oldest)
    }
    map.set(offerId, p)
  }

  /** Relays an answer, only for an unexpired offer that `to_peer_id` sent to this very peer. */
  answer(peer: Peer, msg: AnswerMessage, now: number): void {
    peer.lastSeen = now
    if (msg.peer_name !== undefined) peer.setName(msg.peer_name)
    const offerer = this.peers.get(msg.to_peer_id)
    const p = offerer?.pending?.get(msg.offer_id)
    if (!offerer || !p || p.to !== peer || p.swarm.infoHash !== msg.info_hash || p.expiresAt < now) {
      throw new Refusal('no_pending_offer', 'no pending offer with that offer_id from to_peer_id to this peer')
    }
    offerer.pending!.delete(msg.offer_id)
    offerer.sink.deliver(frames.relayedAnswer(p.swarm, peer, msg.offer_id, msg.answer.sdp))
    this.answersRelayed++
  }

  scrape(hashes: readonly string[]): string {
    this.scrapes++
    const files = new Map<string, frames.ScrapeCounts>()
    for (const h of hashes) {
      const s = this.swarms.get(h)
      files.set(h, { complete: s?.seeders ?? 0, incomplete: s?.leechers ?? 0, downloaded: s?.completed ?? 0 })
    }
    return frames.scrapeResponse(files, this.opts.interval)
  }

  scrapeTo(sink: Sink, hashes: readonly string[]): void {
    sink.deliver(this.scrape(hashes))
  }

  protected leave(m: Membership): void {
    const s = m.swarm
    const last = s.members.pop()!
    if (last !== m) {
      s.members[m.index] = last
      last.index = m.index
    }
    if (m.seeder) { s.seeders--; this.seeders-- } else { s.leechers--; this.leechers-- }
    m.peer.torrents.delete(s.infoHash)
    if (m.peer.torrents.size === 0) this.listedPeers--
    // Empty swarms go at once: the catalogue is of live files, and random info hashes must not
    // accumulate (the fuzz test checks memory comes back).
    if (s.members.length === 0) this.swarms.delete(s.infoHash)
  }

  /** Binds a new peer id to a sink. The caller has checked the id is free. */
  bind(id: string, sink: Sink, now: number): Peer {
    const p = new Peer(id, sink, now)
    this.peers.set(id, p)
    return p
  }

  /** Drops a peer entirely (its socket closed or died): every swarm sees it leave at once. */
  remove(peer: Peer): void {
    if (this.peers.get(peer.id) === peer) this.peers.delete(peer.id)
    for (const m of peer.torrents.values()) this.leave(m)
    if (peer.pending) {
      peer.pending = null
      this.withPending.delete(peer)
    }
  }

  /** Evicts memberships whose interval lapsed and forgets expired offers. O(peers + offers). */
  sweep(now: number): void {
    for (const s of this.swarms.values()) {
      const ms = s.members
      for (let i = ms.length - 1; i >= 0; i--) {
        const m = ms[i]
        if (m && m.expiresAt < now) {
          this.leave(m)
          this.evictedByInterval++
        }
      }
    }
    for (const p of this.withPending) {
      for (const [id, o] of p.pending!) if (o.expiresAt < now) p.pending!.delete(id)
      if (p.pending!.size === 0) {
        p.pending = null
        this.withPending.delete(p)
      }
    }
  }
}
