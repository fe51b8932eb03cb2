// The admin views of a cluster node, read cluster-wide with bounded work: node summaries come
// from the node list (one MGET), counts from the swarm index (at most `limit` swarms), one
// swarm's peers from its own keys, and the peer list by asking each live node for its own
// (a query on its channel, answered within a deadline). Never KEYS, never a full scan.

import { randomBytes } from 'node:crypto'
import { binaryStringToHex } from '../../shared/binary'
import { peersView } from '../admin'
import type { FilePeer, FileSummary, PeerSummary, PeerTorrent, StatsView } from '../admin'
import { ViewUnavailable } from '../admin-views'
import type { AdminViews, ClusterInfo, NodeRow } from '../admin-views'
import type { NodeLife, NodeSummary } from './node'
import type { ClusterState } from './state'
import {
  NODES_KEY, NODE_ID, SWARMS_KEY, decodeCounts, decodeRoute, encodeMessage, isHexId, nodeChannel, nodeInfoKey, swarmKeys,
} from './wire'

const MAX_FILE_PEERS = 10_000
const PEERS_DEADLINE_MS = 1000

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

function parse(text: unknown): unknown {
  if (typeof text !== 'string') return undefined
  try { return JSON.parse(text) } catch { return undefined }
}

// The summed figures of StatsView; the rest (uptime, memory) stay this node's.
const SUMMED = ['peers', 'seeders', 'leechers', 'connections', 'bytesUploaded', 'bytesDownloaded', 'bytesReported',
  'badFrames', 'evictions', 'announces', 'scrapes', 'offersRelayed', 'answersRelayed'] as const

/** Another node's heartbeat, as read back from Redis. */
export function decodeSummary(raw: unknown): NodeSummary | null {
  const v = parse(raw)
  if (!isObj(v) || typeof v.id !== 'string' || !NODE_ID.test(v.id) || !isNum(v.heartbeatAt) || !isNum(v.announcesPerSecond)) return null
  const s = v.stats
  if (!isObj(s) || !SUMMED.every((k) => isNum(s[k])) || !isObj(s.refusals) || !isObj(s.evictionsByCause)) return null
  if (!Object.values(s.refusals).every(isNum) || !Object.values(s.evictionsByCause).every(isNum)) return null
  return { id: v.id, heartbeatAt: v.heartbeatAt, announcesPerSecond: v.announcesPerSecond, stats: s as unknown as StatsView }
}

function addInto(total: StatsView, s: StatsView): void {
  for (const k of SUMMED) total[k] += s[k]
  for (const k of Object.keys(total.refusals) as (keyof StatsView['refusals'])[]) total.refusals[k] += s.refusals[k] ?? 0
  for (const k of Object.keys(total.evictionsByCause) as (keyof StatsView['evictionsByCause'])[]) total.evictionsByCause[k] += s.evictionsByCause[k] ?? 0
}

const row = (n: NodeSummary, self: boolean): NodeRow => ({
  id: n.id, connections: n.stats.connections, peers: n.stats.peers, announcesPerSecond: n.announcesPerSecond, lastHeartbeat: n.heartbeatAt, self,
})

function decodePeer(v: unknown): PeerSummary | null {
  if (!isObj(v) || !isHexId(v.id) || typeof v.name !== 'string' || !Array.isArray(v.torrents)) return null
  if (!isNum(v.uploaded) || !isNum(v.downloaded) || !isNum(v.firstSeen) || !isNum(v.lastSeen)) return null
  const torrents: PeerTorrent[] = []
  for (const t of v.torrents as unknown[]) {
    if (!isObj(t) || !isHexId(t.infoHash) || (t.role !== 'seeder' && t.role !== 'leecher') || !isNum(t.uploaded) || !isNum(t.downloaded)) return null
    torrents.push({ infoHash: t.infoHash, name: typeof t.name === 'string' ? t.name : null, role: t.role, uploaded: t.uploaded, downloaded: t.downloaded })
  }
  return { id: v.id, name: v.name, torrents, uploaded: v.uploaded, downloaded: v.downloaded, firstSeen: v.firstSeen, lastSeen: v.lastSeen }
}

export function clusterViews(state: ClusterState, life: NodeLife, heartbeatMs: number): AdminViews {
  const link = state.link
  const ttl = heartbeatMs * 3
  const waiting = new Map<string, (body: string) => void>()
  state.peersReply = (limit) => JSON.stringify(peersView(state, limit))
  state.onPeersReply = (reqId, body) => waiting.get(reqId)?.(body)

  const need = (): void => { if (!link.up) throw new ViewUnavailable('redis unreachable') }

  /** Live nodes other than this one. */
  async function otherNodes(): Promise<string[]> {
    const ids = await link.command('ZRANGEBYSCORE', [NODES_KEY, Date.now() - ttl, '+inf'])
    return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string' && NODE_ID.test(x) && x !== state.nodeId) : []
  }

  return {
    async stats() {
      const own = life.summary()
      const total: StatsView = { ...own.stats, refusals: { ...own.stats.refusals }, evictionsByCause: { ...own.stats.evictionsByCause } }
      const cluster: ClusterInfo = { node: state.nodeId, redis: link.up ? 'up' : 'unreachable', nodes: [row(own, true)] }
      if (!link.up) return { ...total, cluster }
      try {
        const others = await otherNodes()
        const torrents = await link.command('ZCOUNT', [SWARMS_KEY, Date.now(), '+inf'])
        const infos = others.length ? await link.command('MGET', others.map(nodeInfoKey)) : []
        for (const raw of Array.isArray(infos) ? infos : []) {
          const n = decodeSummary(raw)
          if (!n || n.id === state.nodeId) continue
          addInto(total, n.stats)
          cluster.nodes.push(row(n, false))
        }
        if (isNum(torrents)) total.torrents = torrents
      } catch {
        cluster.redis = 'unreachable'
      }
      return { ...total, cluster }
    },

    async files(limit) {
      need()
      const now = Date.now()
      const [ids, total] = await link.batch([
        { cmd: 'ZRANGEBYSCORE', args: [SWARMS_KEY, now, '+inf', 'LIMIT', 0, limit] },
        { cmd: 'ZCOUNT', args: [SWARMS_KEY, now, '+inf'] },
      ])
      const hashes = Array.isArray(ids) ? ids.filter(isHexId) : []
      const replies = hashes.length ? await link.batch(hashes.map((h) => {
        const k = swarmKeys(h)
        return { script: 'tsCounts' as const, keys: [k.p, k.s, k.i], args: [now] }
      })) : []
      const files: FileSummary[] = []
      hashes.forEach((h, i) => {
        const c = decodeCounts(replies[i])
        // A swarm stays listed a while after its last peer left; it is not a file any more.
        if (c && c.complete + c.incomplete > 0) {
          files.push({ infoHash: h, name: c.name, size: c.size, seeders: c.complete, leechers: c.incomplete, completed: c.completed })
        }
      })
      files.sort((a, b) => b.seeders + b.leechers - (a.seeders + a.leechers))
      const listed = isNum(total) ? total : files.length
      return { total: Math.max(files.length, listed - (hashes.length - files.length)), files }
    },

    async file(infoHash) {
      need()
      const ih = binaryStringToHex(infoHash)
      const k = swarmKeys(ih)
      const reply = await link.run('tsDetail', [k.p, k.s, k.r, k.i], [Date.now(), MAX_FILE_PEERS])
      const c = decodeCounts(reply)
      if (!c || !Array.isArray(reply) || c.complete + c.incomplete === 0) return undefined
      const peers: FilePeer[] = []
      for (let i = 5; i + 3 < reply.length; i += 4) {
        const id: unknown = reply[i]
        const route = decodeRoute(reply[i + 3])
        if (!isHexId(id) || !route) continue
        peers.push({ id, name: route.name, role: reply[i + 2] === 1 ? 'seeder' : 'leecher', uploaded: route.uploaded, downloaded: route.downloaded, lastSeen: route.lastSeen })
      }
      return { infoHash: ih, name: c.name, size: c.size, seeders: c.complete, leechers: c.incomplete, completed: c.completed, peers }
    },

    async peers(limit) {
      const own = peersView(state, limit)
      if (!link.up) return own
      const others = await otherNodes().catch(() => [] as string[])
      if (others.length === 0) return own
      const reqId = randomBytes(8).toString('hex')
      const bodies: string[] = []
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, PEERS_DEADLINE_MS)
        waiting.set(reqId, (body) => {
          bodies.push(body)
          if (bodies.length === others.length) { clearTimeout(timer); resolve() }
        })
        for (const n of others) {
          link.publish(nodeChannel(n), encodeMessage({ kind: 'peersQuery', reqId, fromNode: state.nodeId, limit })).catch(() => {})
        }
      })
      waiting.delete(reqId)
      let total = own.total
      const peers = own.peers
      for (const body of bodies) {
        const v = parse(body)
        if (!isObj(v) || !isNum(v.total) || !Array.isArray(v.peers)) continue
        total += v.total
        for (const p of v.peers as unknown[]) {
          const d = decodePeer(p)
          if (d && peers.length < limit) peers.push(d)
        }
      }
      return { total, peers }
    },
  }
}
