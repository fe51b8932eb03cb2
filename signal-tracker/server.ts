// createTracker: one HTTP server on one port serving the client, the dashboard, the JSON API and
// the WebSocket tracker (upgrades on any path: tabs use /announce, WebTorrent whatever its
// magnet says). All timing knobs are options so tests can run eviction in milliseconds.

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { WebSocketServer } from 'ws'
import { MAX_FRAME_BYTES } from '../shared/tracker-protocol'
import { randomBytes } from 'node:crypto'
import { statsView } from './admin'
import type { StatsView } from './admin'
import { memoryViews } from './admin-views'
import type { AdminViews } from './admin-views'
import { connectRedis } from './cluster/redis'
import { startNode } from './cluster/node'
import type { NodeLife } from './cluster/node'
import { ClusterState } from './cluster/state'
import { clusterViews } from './cluster/views'
import { Gateway, TrackerSocket } from './connection'
import { createStatsHistory } from './history'
import { createRequestHandler } from './http'
import type { IceServer } from './http'
import { TrackerState } from './swarm'

export type { IceServer } from './http'

export interface TrackerOptions {
  host?: string
  port?: number
  /** Served at /api/ice. Default []: host candidates only (see DESIGN.md, never public STUN). */
  iceServers?: IceServer[]
  /** When set, the admin JSON views need `Authorization: Bearer <token>`. */
  adminToken?: string
  /** Built client to serve; default dist/client; null serves none. */
  staticDir?: string | null
  /** Announce interval told to clients, seconds (default 120, like bittorrent-tracker's ws). */
  announceInterval?: number
  /** Slack after the interval before a silent peer is evicted (default 30 s). */
  evictionGraceMs?: number
  /** Ping period; a socket that has not ponged by the next ping is dropped (default 30 s). */
  pingIntervalMs?: number
  /** How long an offer may wait for its answer (default 50 s, WebTorrent's offer timeout). */
  offerTtlMs?: number
  /** Period of the eviction sweep (default 1 s). */
  sweepIntervalMs?: number
  /** Per-connection token bucket (default 50 frames/s, bursts of 200: one socket carries all of a tab's torrents); false disables. */
  rateLimit?: { perSecond: number; burst: number } | false
  /** Simultaneous WebSocket connections per IP (default 1000). */
  maxConnPerIp?: number
  maxPeerIdsPerConnection?: number
  maxTorrentsPerPeer?: number
  maxPendingOffersPerPeer?: number
  /** Unsent bytes queued to one socket before it counts as a slow consumer (default 1 MiB). */
  maxBufferedBytes?: number
  /** Period of the dashboard's peers/torrents history samples (default 10 s, an hour kept). */
  historyIntervalMs?: number
  /** Set: this process is one node of a cluster sharing swarms through this Redis (cluster/). */
  redisUrl?: string
  /** The node's id in the cluster (default: random). */
  nodeId?: string
  /** Node heartbeat period (default: a quarter of interval + grace, from 250 ms to 2 s). */
  heartbeatMs?: number
}

export interface Tracker {
  ready: Promise<void>
  address(): { host: string; port: number; url: string }
  close(): Promise<void>
  /** The same numbers as GET /api/stats; on a cluster node, this node's own share of them. */
  stats(): StatsView
}

export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../dist/client', import.meta.url))

// Frames over MAX_FRAME_BYTES are refused with a `failure reason`; ws itself only cuts a
// connection (close 1009) past this, so the common oversize case still gets a readable answer.
const HARD_MAX_PAYLOAD = 4 * MAX_FRAME_BYTES

export function createTracker(opts: TrackerOptions = {}): Tracker {
  const host = opts.host ?? '127.0.0.1'
  const interval = opts.announceInterval ?? 120
  const startedAt = Date.now()
  const stateOpts = {
    interval,
    evictionGraceMs: opts.evictionGraceMs ?? 30_000,
    offerTtlMs: opts.offerTtlMs ?? 50_000,
    maxTorrentsPerPeer: opts.maxTorrentsPerPeer ?? 1000,
    maxPendingOffersPerPeer: opts.maxPendingOffersPerPeer ?? 256,
  }
  // Without REDIS_URL nothing of cluster/ runs: the plain in-memory state, as ever.
  const link = opts.redisUrl ? connectRedis(opts.redisUrl) : null
  const nodeId = opts.nodeId ?? randomBytes(6).toString('hex')
  const state = link ? new ClusterState(stateOpts, nodeId, link) : new TrackerState(stateOpts)
  const gateway = new Gateway(state, {
    rateLimit: opts.rateLimit === false ? null : (opts.rateLimit ?? { perSecond: 50, burst: 200 }),
    maxConnPerIp: opts.maxConnPerIp ?? 1000,
    maxPeerIdsPerConnection: opts.maxPeerIdsPerConnection ?? 16,
    maxBufferedBytes: opts.maxBufferedBytes ?? 1024 * 1024,
  })
  let life: NodeLife | null = null
  let views: AdminViews = memoryViews(state, gateway, startedAt)
  if (link && state instanceof ClusterState) {
    const lifetime = interval * 1000 + stateOpts.evictionGraceMs
    const heartbeatMs = opts.heartbeatMs ?? Math.max(250, Math.min(2000, Math.round(lifetime / 4)))
    state.refuse = (sink, code, reason, action, ih) => gateway.refuse(sink, code, reason, action, ih)
    life = startNode(state, gateway, startedAt, heartbeatMs)
    views = clusterViews(state, life, heartbeatMs)
  }
  // The same figures as GET /api/stats: cluster-wide on a cluster node.
  const history = createStatsHistory(() => views.stats(), { intervalMs: opts.historyIntervalMs })
  const http = createServer(createRequestHandler({
    views,
    history,
    iceServers: opts.iceServers ?? [],
    adminToken: opts.adminToken || undefined,
    staticDir: opts.staticDir === undefined ? DEFAULT_STATIC_DIR : opts.staticDir,
  }))
  const wss = new WebSocketServer({
    noServer: true,
    WebSocket: TrackerSocket,
    maxPayload: HARD_MAX_PAYLOAD,
    perMessageDeflate: false,
    clientTracking: false,
    // The decoder checks every id's characters; UTF-8 errors become U+FFFD and fail there.
    skipUTF8Validation: true,
  })
  // ws guards the raw socket against errors during and after the handshake.
  http.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => gateway.accept(ws, req))
  })

  const timers = [
    setInterval(() => state.sweep(Date.now()), opts.sweepIntervalMs ?? 1000),
    setInterval(() => gateway.heartbeat(), opts.pingIntervalMs ?? 30_000),
  ]
  for (const t of timers) t.unref()

  const listening = new Promise<void>((resolveReady, reject) => {
    http.once('error', reject)
    http.listen(opts.port ?? 8000, host, () => {
      http.off('error', reject)
      resolveReady()
    })
  })
  // A node also waits (a few seconds at most) for Redis: it starts anyway if Redis is away,
  // answering announces with "tracker temporarily unavailable" until it comes.
  const ready = link ? Promise.all([listening, link.ready]).then(() => {}) : listening

  let closing: Promise<void> | undefined
  return {
    ready,
    address() {
      const a = http.address() as AddressInfo | null
      if (!a) throw new Error('tracker is not listening')
      const h = a.family === 'IPv6' ? `[${a.address}]` : a.address
      return { host: a.address, port: a.port, url: `http://${h}:${a.port}` }
    },
    close() {
      closing ??= new Promise<void>((done) => {
        for (const t of timers) clearInterval(t)
        history.stop()
        gateway.closeAll()
        wss.close()
        const stopped = life ? life.stop().then(() => link!.close()) : Promise.resolve()
        const closed = new Promise<void>((r) => http.close(() => r()))
        http.closeAllConnections()
        void Promise.all([stopped, closed]).then(() => done())
      })
      return closing
    },
    stats: () => statsView(state, gateway, startedAt),
  }
}
