// Tracker load benchmark: `npm run bench:tracker`. Not a test; prints figures for BENCHMARKS.md.
//
// The same load runs against our tracker and against bittorrent-tracker's server, one after the
// other in one run. Each tracker runs in a child process pinned to core 0 (`taskset -c 0`);
// this process, the load generator, re-executes itself pinned to core 1. Both get
// `ulimit -n 65536` (or the hard limit). Only 127.0.0.1. Bounded: about four minutes in all.
//
// Per tracker: connect PEERS sockets (in SWARMS swarms), then
//  1. paced: every peer announces (WebTorrent-style, 5 offers) once per INTERVAL seconds; each
//     relayed offer is answered. Measured: announces/s, relays/s, one-hop relay latency.
//  2. RSS per connected peer: (RSS with all peers joined - RSS before connecting) / PEERS,
//     both after a full GC in the tracker.
//  3. saturated: a closed loop keeps WINDOW announces outstanding (same 5-offer mix, all
//     answered) to find the most announces/s one core sustains; then the same without offers.
//     Each is the best of three windows, and is also given per second of tracker CPU time (over
//     the three windows together). The loop counts relays still in flight as outstanding work
//     (tracker-gen.ts), so a target cannot look fast by answering announces ahead of its relays.
//  4. the same against a bare `ws` server that answers every frame with a constant reply and
//     tracks nothing: the floor any ws-based tracker pays, to read the ratios against.
// Cluster targets (issue 12): redis-1 is one tracker node on a redis-server (REDIS_URL), redis-2
// two nodes on one redis-server with the peers split so that every swarm spans both nodes;
// Redis runs pinned to core 0 beside the nodes and its CPU counts as tracker CPU. They add the
// cross-node relay latency and Redis's used_memory per connected peer.
// The targets run in turn, ROUNDS times; each figure is the best of the rounds (this machine is
// shared, and outside load comes in bursts).
// Env: PEERS (10000), SWARMS (1000), INTERVAL (10 s), STEADY (15 s), SATURATE (7 s),
//      WINDOW (PEERS: every peer re-announces as soon as it is answered), ROUNDS (2).

import { spawn } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { trackerNodeFlags } from '../scripts/node-flags.mjs'
import { procsStat, startBenchRedis } from './tracker-cluster'
import { bestOf, cpuPerAnnounce, EMPTY, measure, percentile, sleep, type Window } from './tracker-window'
import type { BenchRedis } from './tracker-cluster'
import { LoadGenerator } from './tracker-gen'

const env = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d)
const PEERS = env('PEERS', 10_000)
const SWARMS = env('SWARMS', 1_000)
const INTERVAL = env('INTERVAL', 10)
const STEADY = env('STEADY', 15)
const SATURATE = env('SATURATE', 7)
// Outstanding announces in the closed loop: every peer by default. The saturated figures
// depend on this depth (BENCHMARKS.md, "Tracker cluster on Redis", seventh run): with every
// peer outstanding a window can catch the tracker draining relays queued behind thousands of
// announces (TRACKER_WINDOWS=1 prints each window); WINDOW=1000 keeps every window at ~10
// relays per announce, and gives smaller write batches to every target.
const WINDOW = env('WINDOW', PEERS)
const ROUNDS = env('ROUNDS', 2)
const ROOT = fileURLToPath(new URL('..', import.meta.url))

interface HeapFigures { heapUsed: number; heapTotal: number; external: number; arrayBuffers: number }
interface TrackerProc { child: ChildProcessByStdio<Writable, Readable, null>; port: number; gc(): Promise<HeapFigures> }

/**
 * The Node flags `npm start` runs our tracker with, per mode (signal-tracker/node-flags.json,
 * scripts/node-flags.mjs), or TRACKER_NODE_FLAGS (space-separated) for every target, to try others.
 */
function shippedFlags(mode: 'memory' | 'cluster'): string[] {
  if (process.env.TRACKER_NODE_FLAGS !== undefined) return process.env.TRACKER_NODE_FLAGS.split(/\s+/).filter(Boolean)
  return trackerNodeFlags(fileURLToPath(new URL('../signal-tracker/node-flags.json', import.meta.url)), mode)
}

/**
 * What runs: each target as shipped, plus bittorrent-tracker under our flags, for fairness.
 * `nodes`: tracker nodes on one redis-server (REDIS_URL), the simulated peers split among them.
 */
interface Target { name: string; kind: string; flags: string[]; nodes?: number }
function targets(): Target[] {
  const ours = shippedFlags('memory')
  const cluster = shippedFlags('cluster')
  const all: Target[] = [
    { name: 'tabswarm', kind: 'tabswarm', flags: ours },
    { name: 'redis-1', kind: 'tabswarm-redis', flags: cluster, nodes: 1 },
    { name: 'redis-2', kind: 'tabswarm-redis', flags: cluster, nodes: 2 },
    { name: 'bittorrent-tracker', kind: 'bittorrent-tracker', flags: [] },
    { name: 'bittorrent-tracker, our flags', kind: 'bittorrent-tracker', flags: ours },
    { name: 'ws-floor', kind: 'ws-floor', flags: [] },
  ]
  const only = process.env.TRACKER_TARGETS?.split(',').map((t) => t.trim())
  return only ? all.filter((t) => only.includes(t.name)) : all
}

async function startTracker(kind: string, flags: readonly string[], redisUrl = ''): Promise<TrackerProc> {
  const child = spawn('bash', ['-c',
    `(ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn)) && exec taskset -c 0 "${process.execPath}" ${flags.join(' ')} --expose-gc --import tsx bench/tracker-server.ts ${kind} ${INTERVAL} ${redisUrl}`],
  { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  const waiters: ((l: string) => void)[] = []
  // Only the wrapper's own lines answer; anything else (e.g. --trace-gc under
  // TRACKER_NODE_FLAGS) goes to stderr.
  lines.on('line', (l) => (/^(READY|GC) /.test(l) ? waiters.shift()?.(l) : process.stderr.write(`[${kind}] ${l}\n`)))
  const nextLine = (): Promise<string> => new Promise((r) => waiters.push(r))
  const ready = await nextLine()
  const port = Number(/^READY (\d+)$/.exec(ready)?.[1])
  if (!port) throw new Error(`tracker did not start: ${ready}`)
  return {
    child, port,
    /** Full GC in the tracker; resolves with its JS heap in use afterwards. */
    async gc() {
      child.stdin.write('gc\n')
      const [heapUsed = NaN, heapTotal = NaN, external = NaN, arrayBuffers = NaN] = (await nextLine()).split(' ').slice(2).map(Number)
      return { heapUsed, heapTotal, external, arrayBuffers }
    },
  }
}

interface Result {
  kind: string; held: number; connectS: number; paced: Window; p50: number; p99: number
  /** Relays whose two peers are on different nodes (two-node targets only). */
  crossP50: number; crossP99: number
  /** Redis used_memory per connected peer (bytes), cluster targets only. */
  redisPerPeer: number
  rssPerPeer: number; rssIdle: number; rssLoaded: number; heapPerPeer: number; saturated: Window; plain: Window
}

/** `relays` false: the ws floor, which answers announces but relays nothing. */
async function run(target: Target): Promise<Result> {
  const kind = target.name
  const relays = target.kind !== 'ws-floor'
  let redis: BenchRedis | null = null
  const nodes: TrackerProc[] = []
  try {
    if (target.nodes) redis = await startBenchRedis()
    for (let i = 0; i < (target.nodes ?? 1); i++) nodes.push(await startTracker(target.kind, target.flags, redis?.url))
  } catch (err) {
    for (const n of nodes) n.child.kill('SIGKILL')
    redis?.stop()
    throw err
  }
  // CPU counts every process doing tracker work: the nodes and Redis.
  const pid = [...nodes.map((n) => n.child.pid!), ...(redis ? [redis.pid] : [])]
  const nodePids = nodes.map((n) => n.child.pid!)
  const redisPid = redis?.pid ?? 0
  const gcAll = async (): Promise<HeapFigures> => {
    const hs = await Promise.all(nodes.map((n) => n.gc()))
    return hs.reduce((a, b) => ({ heapUsed: a.heapUsed + b.heapUsed, heapTotal: a.heapTotal + b.heapTotal, external: a.external + b.external, arrayBuffers: a.arrayBuffers + b.arrayBuffers }))
  }
  const t = { gc: gcAll }
  try {
    await sleep(300)
    const heapIdle = await t.gc()
    const rssIdle = procsStat(nodePids).rss
    const redisIdle = redis ? await redis.usedMemory() : NaN
    const gen = new LoadGenerator(nodes.map((n) => n.port), PEERS, SWARMS)
    const c0 = performance.now()
    await gen.connectAll()
    const connectS = (performance.now() - c0) / 1000
    log(kind, `${PEERS} connections in ${connectS.toFixed(1)} s`)

    const stopPaced = gen.paced(INTERVAL * 1000)
    await sleep(INTERVAL * 1000) // every peer has joined and announced once
    gen.recordLatency = true
    const paced = await measure(gen, pid, (STEADY - INTERVAL) * 1000, redisPid)
    if (process.env.TRACKER_WINDOWS === '1') console.log(`   paced: ${cpuPerAnnounce(paced)}`)
    gen.recordLatency = false
    stopPaced()
    await gen.settle()
    const lat = gen.latencies.sort((a, b) => a - b)
    const cross = gen.crossLatencies.sort((a, b) => a - b)
    if (cross.length) log(kind, `cross-node relays: ${cross.length} of ${lat.length}, p50/p99 ${percentile(cross, 0.5).toFixed(1)}/${percentile(cross, 0.99).toFixed(1)} ms`)
    const redisLoaded = redis ? await redis.usedMemory() : NaN
    if (redis) log(kind, `Redis used_memory ${(redisIdle / 1048576).toFixed(1)} → ${(redisLoaded / 1048576).toFixed(1)} MiB: ${((redisLoaded - redisIdle) / PEERS).toFixed(0)} bytes per peer`)
    log(kind, `paced ${paced.announces.toFixed(0)} announces/s, ${paced.relays.toFixed(0)} relays/s, tracker CPU ${(paced.trackerCpu * 100).toFixed(0)}%, p50/p99 ${percentile(lat, 0.5).toFixed(1)}/${percentile(lat, 0.99).toFixed(1)} ms`)

    const heapLoaded = await t.gc()
    const rssLoaded = procsStat(nodePids).rss
    const mib = (n: number): string => (n / 1048576).toFixed(0)
    log(kind, `after a full GC, idle → loaded (MiB): RSS ${mib(rssIdle)} → ${mib(rssLoaded)}, JS heap used ${mib(heapIdle.heapUsed)} → ${mib(heapLoaded.heapUsed)}, ` +
      `committed ${mib(heapIdle.heapTotal)} → ${mib(heapLoaded.heapTotal)}, external ${mib(heapIdle.external)} → ${mib(heapLoaded.external)}`)
    const held = gen.openCount()

    let saturated = EMPTY
    if (relays) {
      const stopSat = gen.saturate(WINDOW, true)
      await sleep(1000)
      saturated = await bestOf(gen, pid, 3, ((SATURATE - 1) * 1000) / 3, redisPid)
      stopSat()
      await gen.settle()
      log(kind, `saturated ${saturated.announces.toFixed(0)} announces/s (${saturated.perCpuSecond.toFixed(0)} per CPU-second), ${saturated.relays.toFixed(0)} relays/s, tracker CPU ${(saturated.trackerCpu * 100).toFixed(0)}%, generator CPU ${(saturated.genCpu * 100).toFixed(0)}%, ${saturated.writesPerAnnounce.toFixed(1)} write calls per announce`)
    }
    const stopPlain = gen.saturate(WINDOW, false)
    await sleep(1000)
    const plain = await bestOf(gen, pid, 3, 2000, redisPid)
    stopPlain()
    await gen.settle()
    log(kind, `announce-only ${plain.announces.toFixed(0)} announces/s (${plain.perCpuSecond.toFixed(0)} per CPU-second), tracker CPU ${(plain.trackerCpu * 100).toFixed(0)}%, generator CPU ${(plain.genCpu * 100).toFixed(0)}%`)
    if (gen.c.failures) log(kind, `${gen.c.failures} failure replies, last: ${gen.lastFailure.slice(0, 200)}`)
    gen.closeAll()
    return {
      kind, held, connectS, paced, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99),
      crossP50: percentile(cross, 0.5), crossP99: percentile(cross, 0.99), redisPerPeer: (redisLoaded - redisIdle) / PEERS,
      rssPerPeer: (rssLoaded - rssIdle) / PEERS, rssIdle, rssLoaded, heapPerPeer: (heapLoaded.heapUsed - heapIdle.heapUsed) / PEERS, saturated, plain,
    }
  } finally {
    for (const n of nodes) {
      n.child.stdin.end()
      n.child.kill('SIGKILL')
    }
    redis?.stop()
  }
}

function log(kind: string, msg: string): void {
  console.log(`[${kind}] ${msg}`)
}

const best = <T>(xs: T[], score: (x: T) => number): T =>
  xs.reduce((a, b) => (score(b) > score(a) ? b : a))

/** Best of the rounds, phase by phase (a phase's figures always come from one run). */
function combine(rs: Result[]): Result {
  const paced = best(rs, (r) => r.paced.announces)
  const mem = best(rs, (r) => -r.rssPerPeer)
  return {
    ...mem,
    held: Math.min(...rs.map((r) => r.held)),
    paced: paced.paced, p50: paced.p50, p99: paced.p99, crossP50: paced.crossP50, crossP99: paced.crossP99,
    saturated: best(rs, (r) => r.saturated.announces || 0).saturated,
    plain: best(rs, (r) => r.plain.announces).plain,
  }
}

async function main(): Promise<void> {
  console.log(`Tracker load: ${PEERS} peers in ${SWARMS} swarms over loopback; interval ${INTERVAL} s; ` +
    `tracker pinned to core 0, generator to core 1 (taskset); node ${process.version}`)
  // Other work on these two cores stretches round trips and lowers the wall-clock rates (and
  // differently per target); announces per tracker CPU-second are much less sensitive to it.
  console.log(`load average at start: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
  // Rounds alternate the targets so that a burst of outside load hits each of them in some
  // round and spares it in another; each figure is then the best of the rounds.
  const list = targets()
  for (const t of list) if (t.kind.startsWith('tabswarm')) console.log(`${t.name} runs with ${t.flags.join(' ') || 'no flags'} (signal-tracker/node-flags.json, as npm start runs it)`)
  const runs: Record<string, Result[]> = Object.fromEntries(list.map((t) => [t.name, []]))
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`-- round ${round}/${ROUNDS}, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
    for (const target of list) {
      runs[target.name]!.push(await run(target))
      await sleep(1000)
    }
  }
  const results = list.map((t) => combine(runs[t.name]!))
  const byName = (name: string): Result | undefined => results[list.findIndex((t) => t.name === name)]
  const ours = byName('tabswarm')
  const theirs = byName('bittorrent-tracker')
  const theirsFlagged = byName('bittorrent-tracker, our flags')
  const floor = byName('ws-floor')
  const f0 = (n: number): string => (Number.isNaN(n) ? 'n/a' : n.toFixed(0))
  const f1 = (n: number): string => (Number.isNaN(n) ? 'n/a' : n.toFixed(1))
  const pct = (n: number): string => (Number.isNaN(n) ? 'n/a' : `${f0(n * 100)}%`)
  const rows: [string, (r: Result) => string][] = [
    ['connections held', (r) => String(r.held)],
    ['paced: announces/s', (r) => f0(r.paced.announces)],
    ['paced: relays/s (offers + answers delivered)', (r) => f0(r.paced.relays)],
    ['paced: relay latency p50 / p99 (ms)', (r) => (Number.isNaN(r.p50) ? 'n/a' : `${r.p50.toFixed(2)} / ${r.p99.toFixed(2)}`)],
    ['paced: cross-node relay latency p50 / p99 (ms)', (r) => (Number.isNaN(r.crossP50) ? 'n/a' : `${r.crossP50.toFixed(2)} / ${r.crossP99.toFixed(2)}`)],
    ['paced: tracker CPU (nodes + Redis, one core)', (r) => pct(r.paced.trackerCpu)],
    ['paced: write system calls per announce (nodes + Redis)', (r) => f1(r.paced.writesPerAnnounce)],
    ['saturated: announces/s (5 offers each, all answered)', (r) => f0(r.saturated.announces)],
    ['saturated: announces per tracker CPU-second', (r) => f0(r.saturated.perCpuSecond)],
    ['saturated: relays/s', (r) => f0(r.saturated.relays)],
    ['saturated: write system calls per announce (nodes + Redis, all windows)', (r) => f1(r.saturated.writesPerAnnounce)],
    ['saturated: tracker / generator CPU', (r) => `${pct(r.saturated.trackerCpu)} / ${pct(r.saturated.genCpu)}`],
    ['saturated: of which redis-server CPU (all windows)', (r) => pct(r.saturated.redisCpu)],
    ['saturated: announces per redis-server CPU-second', (r) => f0(r.saturated.perRedisCpuSecond)],
    ['announce-only saturated: announces/s', (r) => f0(r.plain.announces)],
    ['announce-only: announces per tracker CPU-second', (r) => f0(r.plain.perCpuSecond)],
    ['tracker RSS per connected peer (KiB, all nodes)', (r) => (r.rssPerPeer / 1024).toFixed(2)],
    ['Redis used_memory per connected peer (bytes)', (r) => (Number.isNaN(r.redisPerPeer) ? 'n/a' : r.redisPerPeer.toFixed(0))],
    ['tracker live JS heap per connected peer (KiB)', (r) => (r.heapPerPeer / 1024).toFixed(2)],
    ['tracker RSS idle → loaded (MiB)', (r) => `${(r.rssIdle / 1048576).toFixed(0)} → ${(r.rssLoaded / 1048576).toFixed(0)}`],
  ]
  console.log(`\n| metric | ${list.map((t) => t.name).join(' | ')} |\n|${' --- |'.repeat(list.length + 1)}`)
  for (const [name, f] of rows) console.log(`| ${name} | ${results.map(f).join(' | ')} |`)
  const f2 = (n: number): string => (Number.isNaN(n) ? 'n/a' : n.toFixed(2))
  if (ours) {
    for (const name of ['redis-1', 'redis-2']) {
      const r = byName(name)
      if (!r) continue
      console.log(`\n${name} / in-memory tabswarm:`)
      console.log(`  saturated announces per CPU-second (nodes + Redis)   ${f2(r.saturated.perCpuSecond / ours.saturated.perCpuSecond)}x   (floor asked: >= 0.5)`)
      console.log(`  announce-only per CPU-second (nodes + Redis)         ${f2(r.plain.perCpuSecond / ours.plain.perCpuSecond)}x`)
      // The same per-CPU-second ratio at the paced load (every target gets the same announces/s).
      const pacedPerCpu = (x: Result): number => x.paced.announces / x.paced.trackerCpu
      console.log(`  paced announces per CPU-second (nodes + Redis)       ${f2(pacedPerCpu(r) / pacedPerCpu(ours))}x`)
      console.log(`  saturated announces/s (wall, all on one core)        ${f2(r.saturated.announces / ours.saturated.announces)}x`)
      if (!Number.isNaN(r.crossP99)) console.log(`  paced cross-node relay p99 / in-memory relay p99     ${f2(r.crossP99 / ours.p99)}x   (floor asked: <= 2)`)
      else console.log(`  paced relay p99 / in-memory relay p99                ${f2(r.p99 / ours.p99)}x`)
    }
  }
  if (!ours || !theirs) return
  const ratio = (a: number, b: number): string => (a / b).toFixed(2)
  const line = (label: string, f: (r: Result) => number, asked = ''): void => {
    const extra = [theirsFlagged && `${ratio(f(ours), f(theirsFlagged))}x against it under our flags`, floor && !Number.isNaN(f(floor)) && `ws floor ${ratio(f(floor), f(theirs))}x`]
    console.log(`  ${label.padEnd(34)}${ratio(f(ours), f(theirs))}x${asked ? `   (floor asked: ${asked})` : ''}   [${extra.filter(Boolean).join('; ')}]`)
  }
  console.log('\nratios, tabswarm / bittorrent-tracker as shipped:')
  line('saturated announces / CPU-second', (r) => r.saturated.perCpuSecond, '>= 2')
  line('saturated announces/s (wall)', (r) => r.saturated.announces)
  line('announce-only announces/s', (r) => r.plain.announces)
  line('announce-only per CPU-second', (r) => r.plain.perCpuSecond)
  line('saturated relays/s', (r) => r.saturated.relays)
  line('RSS per peer', (r) => r.rssPerPeer, '<= 0.5')
  line('live JS heap per peer', (r) => r.heapPerPeer)
  line('paced relay p99', (r) => r.p99)
  const failures = ours.saturated.failures + ours.paced.failures + ours.plain.failures
  if (failures) console.log(`\nWARNING: tabswarm answered ${failures} frames with a failure reason during the run`)
}

if (process.env.TRACKER_BENCH_PINNED !== '1') {
  // Re-exec pinned to core 1 with a raised descriptor limit (10,000 sockets on each side).
  const child = spawn('bash', ['-c', `(ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn)) && exec taskset -c 1 "${process.execPath}" --import tsx bench/tracker-load.ts`], {
    cwd: ROOT, stdio: 'inherit', env: { ...process.env, TRACKER_BENCH_PINNED: '1' },
  })
  child.on('exit', (code) => process.exit(code ?? 1))
} else {
  await main()
}
