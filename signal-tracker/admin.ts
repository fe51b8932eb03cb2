// The admin views (GET /api/stats, /api/files, /api/files/:infoHash, /api/peers), as plain
// JSON-ready objects built from the tracker state. Ids go out as lowercase hex.

import { binaryStringToHex } from '../shared/binary'
import type { Gateway } from './connection'
import type { Membership, Peer, RefusalCode, Swarm, TrackerState } from './swarm'

export type Role = 'seeder' | 'leecher'

export interface StatsView {
  torrents: number
  peers: number
  seeders: number
  leechers: number
  connections: number
  /** Cumulative bytes reported by peers in announces (increases of their counters). */
  bytesUploaded: number
  bytesDownloaded: number
  bytesReported: number
  /** Frames refused with a `failure reason`; `refusals` breaks all refusals down by cause. */
  badFrames: number
  refusals: Record<RefusalCode, number>
  evictions: number
  evictionsByCause: { interval: number; deadSocket: number; slowConsumer: number }
  announces: number
  scrapes: number
  offersRelayed: number
  answersRelayed: number
  uptimeSeconds: number
  memory: { rss: number; heapUsed: number }
}

export interface FileSummary {
  infoHash: string
  name: string | null
  size: number | null
  seeders: number
  leechers: number
  completed: number
}

export interface FilePeer {
  id: string
  name: string
  role: Role
  uploaded: number
  downloaded: number
  lastSeen: number
}

export interface FileDetail extends FileSummary { peers: FilePeer[] }

export interface PeerTorrent { infoHash: string; name: string | null; role: Role; uploaded: number; downloaded: number }

export interface PeerSummary {
  id: string
  name: string
  torrents: PeerTorrent[]
  uploaded: number
  downloaded: number
  firstSeen: number
  lastSeen: number
}

export function statsView(state: TrackerState, gw: Gateway, startedAt: number): StatsView {
  const mem = process.memoryUsage()
  const slow = gw.refusals.slow_consumer
  return {
    torrents: state.swarms.size,
    peers: state.listedPeers,
    seeders: state.seeders,
    leechers: state.leechers,
    connections: gw.sockets.size,
    bytesUploaded: state.bytesUploaded,
    bytesDownloaded: state.bytesDownloaded,
    bytesReported: state.bytesUploaded + state.bytesDownloaded,
    badFrames: gw.badFrames,
    refusals: { ...gw.refusals },
    evictions: state.evictedByInterval + gw.deadSockets + slow,
    evictionsByCause: { interval: state.evictedByInterval, deadSocket: gw.deadSockets, slowConsumer: slow },
    announces: state.announces,
    scrapes: state.scrapes,
    offersRelayed: state.offersRelayed,
    answersRelayed: state.answersRelayed,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    memory: { rss: mem.rss, heapUsed: mem.heapUsed },
  }
}

function fileSummary(s: Swarm): FileSummary {
  return {
    infoHash: binaryStringToHex(s.infoHash),
    name: s.name ?? null,
    size: s.size ?? null,
    seeders: s.seeders,
    leechers: s.leechers,
    completed: s.completed,
  }
}

const role = (m: Membership): Role => (m.seeder ? 'seeder' : 'leecher')

/** Busiest first; `limit` bounds the answer, `total` says how many exist. */
export function filesView(state: TrackerState, limit: number): { total: number; files: FileSummary[] } {
  const all = [...state.swarms.values()]
  all.sort((a, b) => b.members.length - a.members.length)
  return { total: all.length, files: all.slice(0, limit).map(fileSummary) }
}

export function fileView(state: TrackerState, infoHash: string): FileDetail | undefined {
  const s = state.swarms.get(infoHash)
  if (!s) return undefined
  const peers = s.members.map((m): FilePeer => ({
    id: binaryStringToHex(m.peer.id),
    name: m.peer.name,
    role: role(m),
    uploaded: m.uploaded,
    downloaded: m.downloaded,
    lastSeen: m.peer.lastSeen,
  }))
  return { ...fileSummary(s), peers }
}

function peerSummary(p: Peer): PeerSummary {
  const torrents: PeerTorrent[] = []
  for (const m of p.torrents.values()) {
    torrents.push({ infoHash: binaryStringToHex(m.swarm.infoHash), name: m.swarm.name ?? null, role: role(m), uploaded: m.uploaded, downloaded: m.downloaded })
  }
  return {
    id: binaryStringToHex(p.id),
    name: p.name,
    torrents,
    uploaded: p.uploaded,
    downloaded: p.downloaded,
    firstSeen: p.firstSeen,
    lastSeen: p.lastSeen,
  }
}

/** Peers in at least one swarm, in the order they first announced. */
export function peersView(state: TrackerState, limit: number): { total: number; peers: PeerSummary[] } {
  const peers: PeerSummary[] = []
  for (const p of state.peers.values()) {
    if (p.torrents.size === 0) continue
    if (peers.length < limit) peers.push(peerSummary(p))
  }
  return { total: state.listedPeers, peers }
}
