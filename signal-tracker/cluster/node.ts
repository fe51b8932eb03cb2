// A cluster node's life beside the announces: it listens on its own channel, writes a
// heartbeat (its summary, read by every node's admin views), keeps its swarms listed in the
// cluster's swarm index, and when Redis comes back after an outage it re-registers every live
// local peer (its last announce, without offers) so the swarms are whole again at once.

import { binaryStringToHex } from '../../shared/binary'
import { statsView } from '../admin'
import type { StatsView } from '../admin'
import type { Gateway } from '../connection'
import type { ClusterPeer, ClusterState } from './state'
import type { Op } from './redis'
import { NODES_KEY, SWARMS_KEY, nodeChannel, nodeInfoKey, swarmKeys } from './wire'
import { encodeAnnounce } from './announce-wire'

/** What each node publishes about itself, every heartbeat. */
export interface NodeSummary {
  id: string
  heartbeatAt: number
  announcesPerSecond: number
  stats: StatsView
}

export interface NodeLife {
  /** The summary as of now (this node's own entry in the views is never stale). */
  summary(): NodeSummary
  /** Last heartbeat written, ms since the epoch (0: none yet). */
  readonly lastHeartbeat: number
  stop(): Promise<void>
}

const BATCH = 500

export function startNode(state: ClusterState, gateway: Gateway, startedAt: number, heartbeatMs: number): NodeLife {
  const link = state.link
  const ttl = heartbeatMs * 3
  let lastHeartbeat = 0
  let rate = { at: Date.now(), announces: 0, perSecond: 0 }
  let wasDown = false

  const summary = (): NodeSummary => ({
    id: state.nodeId, heartbeatAt: lastHeartbeat || Date.now(), announcesPerSecond: rate.perSecond,
    stats: statsView(state, gateway, startedAt),
  })

  const heartbeat = async (): Promise<void> => {
    const now = Date.now()
    const dt = (now - rate.at) / 1000
    if (dt > 0) rate = { at: now, announces: state.announces, perSecond: Math.round(((state.announces - rate.announces) / dt) * 10) / 10 }
    if (!link.up) return
    const ops: Op[] = [
      { cmd: 'ZADD', args: [NODES_KEY, now, state.nodeId] },
      { cmd: 'ZREMRANGEBYSCORE', args: [NODES_KEY, '-inf', now - ttl] },
      { cmd: 'SET', args: [nodeInfoKey(state.nodeId), JSON.stringify({ ...summary(), heartbeatAt: now }), 'PX', ttl] },
      { cmd: 'ZREMRANGEBYSCORE', args: [SWARMS_KEY, '-inf', now] },
    ]
    // Each local swarm is re-listed when half its listing has run out: about twice per
    // peer lifetime, not every heartbeat.
    const lifetime = state.peerLifetimeMs
    for (const ih of state.swarms.keys()) {
      const until = state.indexedUntil.get(ih) ?? 0
      if (until - now < lifetime / 2) {
        state.indexedUntil.set(ih, now + lifetime)
        ops.push({ cmd: 'ZADD', args: [SWARMS_KEY, now + lifetime, binaryStringToHex(ih)] })
      }
    }
    try {
      for (let i = 0; i < ops.length; i += BATCH) await link.batch(ops.slice(i, i + BATCH))
      lastHeartbeat = now
    } catch {
      state.redisErrors++
    }
  }

  /** Every local membership as its last announce said, without offers. */
  const reregister = async (): Promise<void> => {
    const now = Date.now()
    const ops: Op[] = []
    for (const peer of state.peers.values()) {
      const p = peer as ClusterPeer
      for (const m of p.torrents.values()) {
        const k = swarmKeys(binaryStringToHex(m.swarm.infoHash))
        ops.push({ script: 'tsAnnounce', keys: [k.p, k.s, k.r, k.i], args: [encodeAnnounce({
          now, expiresAt: m.expiresAt, id: p.hex, route: state.routeOf(p, m, now), seeder: m.seeder, event: 'update', pool: 0,
          ttlMs: state.peerLifetimeMs, name: m.swarm.name, size: m.swarm.size,
        })] })
      }
    }
    for (const ih of state.swarms.keys()) state.indexedUntil.delete(ih)
    try {
      for (let i = 0; i < ops.length; i += BATCH) await link.batch(ops.slice(i, i + BATCH))
    } catch {
      state.redisErrors++
    }
    await heartbeat()
  }

  link.onChange((up) => {
    if (!up) { wasDown = true; return }
    if (wasDown) void reregister()
    else void heartbeat()
  })
  void link.subscribe(nodeChannel(state.nodeId), (m) => state.onNodeMessage(m)).catch(() => { state.redisErrors++ })
  const timer = setInterval(() => void heartbeat(), heartbeatMs)
  timer.unref()
  if (link.up) void heartbeat()

  return {
    summary,
    get lastHeartbeat() { return lastHeartbeat },
    async stop() {
      clearInterval(timer)
      if (!link.up) return
      // Leaves sent by the sockets' closing go first (one connection, in order); then the
      // node takes itself off the list instead of waiting for its heartbeat to lapse.
      await link.batch([
        { cmd: 'ZREM', args: [NODES_KEY, state.nodeId] },
        { cmd: 'DEL', args: [nodeInfoKey(state.nodeId)] },
      ]).catch(() => {})
    },
  }
}
