// What one announce and one relay cost Redis itself, without WebSockets: `node --import tsx
// bench/tracker-redis-cost.ts`. Runs the cluster's announce script (scripts.ts) N times in
// pipelines of 500 against a fresh redis-server, without and with a pick of offer targets, then
// N PUBLISHes of an offer-sized message; reads redis-server's CPU time from /proc. The figures
// size Redis for a cluster (BENCHMARKS.md, "Tracker cluster on Redis").
// Env: N (20000 per round), SWARMS (1000), PEERS (10000).

import { procStat, startBenchRedis } from './tracker-cluster'
import { connectRedis } from '../signal-tracker/cluster/redis'
import type { Op } from '../signal-tracker/cluster/redis'
import { encodeRoute, swarmKeys } from '../signal-tracker/cluster/wire'
import { encodeAnnounce } from '../signal-tracker/cluster/announce-wire'

const env = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d)
const N = env('N', 20_000)
const SWARMS = env('SWARMS', 1000)
const PEERS = env('PEERS', 10_000)
const LIFETIME = 150_000

const hex = (n: number, tag: string): string => tag + n.toString(16).padStart(38, '0')
const redis = await startBenchRedis()
const link = connectRedis(redis.url)
await link.ready
const idle = await redis.usedMemory()

async function timed(label: string, make: (i: number) => Op): Promise<void> {
  const c0 = procStat(redis.pid).cpu
  const n0 = process.cpuUsage()
  for (let b = 0; b < N; b += 500) await link.batch(Array.from({ length: Math.min(500, N - b) }, (_, k) => make(b + k)))
  const cpu = procStat(redis.pid).cpu - c0
  const nu = process.cpuUsage(n0)
  console.log(`${label}: ${(N / cpu).toFixed(0)} per redis-server CPU-second (${((cpu / N) * 1e6).toFixed(1)} µs each); ` +
    `client (ioredis) ${(((nu.user + nu.system) / N)).toFixed(1)} µs each`)
}

const announce = (pool: number) => (i: number): Op => {
  const now = Date.now()
  const k = swarmKeys(hex(i % SWARMS, 'aa'))
  return { script: 'tsAnnounce', keys: [k.p, k.s, k.r, k.i], args: [encodeAnnounce({
    now, expiresAt: now + LIFETIME, id: hex(i % PEERS, 'bb'), seeder: false, event: 'update', pool, ttlMs: LIFETIME,
    route: encodeRoute({ node: 'bench', conn: i % PEERS, uploaded: 0, downloaded: 0, lastSeen: now, name: '' }),
  })] }
}
await timed('announce, no offers (first pass: joins)', announce(0))
await timed('announce, no offers (refresh)', announce(0))
await timed('announce picking targets for 5 offers (pool 15)', announce(15))
console.log(`Redis used_memory per peer: ${(((await redis.usedMemory()) - idle) / PEERS).toFixed(0)} bytes (${PEERS} peers in ${SWARMS} swarms)`)
const offer = 'O\n' + 'x'.repeat(700)
let subscribed = 0
await link.subscribe('ts:node:bench-sub', () => { subscribed++ })
await timed('PUBLISH of a 0.7 KB relayed offer to a subscribed node channel', () => ({ cmd: 'PUBLISH', args: ['ts:node:bench-sub', offer] }))
console.log(`(${subscribed} delivered)`)
await link.close()
redis.stop()
process.exit(0)
