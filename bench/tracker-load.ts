// Tracker load benchmark: `npm run bench:tracker`. Not a test; prints figures for BENCHMARKS.md.
//
// The same load runs against our tracker and against bittorrent-tracker's server, one after the
// other in one run. Each tracker runs in a child process pinned to core 0 (`taskset -c 0`);
// this process, the load generator, re-executes itself pinned to core 1. Both get
// `ulimit -n 65536`. Only 127.0.0.1. Bounded: about a minute per tracker.
//
// Per tracker: connect PEERS sockets (in SWARMS swarms), then
//  1. paced: every peer announces (WebTorrent-style, 5 offers) once per INTERVAL seconds; each
//     relayed offer is answered. Measured: announces/s, relays/s, one-hop relay latency.
//  2. RSS per connected peer: (RSS with all peers joined - RSS before connecting) / PEERS,
//     both after a full GC in the tracker.
//  3. saturated: a closed loop keeps WINDOW announces outstanding (same 5-offer mix, all
//     answered) to find the most announces/s one core sustains; then the same without offers.
// Env: PEERS (10000), SWARMS (1000), INTERVAL (10 s), STEADY (20 s), SATURATE (10 s), WINDOW (1000).

import { spawn } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { LoadGenerator } from './tracker-gen'
import type { Counters } from './tracker-gen'

const env = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d)
const PEERS = env('PEERS', 10_000)
const SWARMS = env('SWARMS', 1_000)
const INTERVAL = env('INTERVAL', 10)
const STEADY = env('STEADY', 20)
const SATURATE = env('SATURATE', 10)
const WINDOW = env('WINDOW', 1_000)
const ROOT = fileURLToPath(new URL('..', import.meta.url))

interface TrackerProc { child: ChildProcessByStdio<Writable, Readable, null>; port: number; gc(): Promise<void> }

async function startTracker(kind: string): Promise<TrackerProc> {
  const child = spawn('bash', ['-c',
    `(ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn)) && exec taskset -c 0 "${process.execPath}" --expose-gc --import tsx bench/tracker-server.ts ${kind} ${INTERVAL}`],
  { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  const waiters: ((l: string) => void)[] = []
  lines.on('line', (l) => waiters.shift()?.(l))
  const nextLine = (): Promise<string> => new Promise((r) => waiters.push(r))
  const ready = await nextLine()
  const port = Number(/^READY (\d+)$/.exec(ready)?.[1])
  if (!port) throw new Error(`tracker did not start: ${ready}`)
  return {
    child, port,
    async gc() { child.stdin.write('gc\n'); await nextLine() },
  }
}

/** RSS in bytes and CPU seconds (user+system) of a process, from /proc. */
function procStat(pid: number): { rss: number; cpu: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  const ticks = Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14, 15)
  return { rss, cpu: ticks / 100 }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

interface Window { seconds: number; announces: number; relays: number; trackerCpu: number; genCpu: number; failures: number }

/** Counts what happens during `ms`, along with both processes' CPU use. */
async function measure(gen: LoadGenerator, pid: number, ms: number): Promise<Window> {
  const c0: Counters = gen.snapshot()
  const p0 = procStat(pid)
  const g0 = process.cpuUsage()
  const t0 = performance.now()
  await sleep(ms)
  const seconds = (performance.now() - t0) / 1000
  const c1 = gen.snapshot()
  const p1 = procStat(pid)
  const g1 = process.cpuUsage(g0)
  return {
    seconds,
    announces: (c1.announcesAnswered - c0.announcesAnswered) / seconds,
    relays: (c1.offersReceived - c0.offersReceived + c1.answersReceived - c0.answersReceived) / seconds,
    trackerCpu: (p1.cpu - p0.cpu) / seconds,
    genCpu: (g1.user + g1.system) / 1e6 / seconds,
    failures: c1.failures - c0.failures,
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN
}

interface Result {
  kind: string; held: number; connectS: number; paced: Window; p50: number; p99: number
  rssPerPeer: number; rssIdle: number; rssLoaded: number; saturated: Window; plain: Window
}

async function run(kind: string): Promise<Result> {
  const t = await startTracker(kind)
  const pid = t.child.pid!
  try {
    await sleep(300)
    await t.gc()
    const rssIdle = procStat(pid).rss
    const gen = new LoadGenerator(t.port, PEERS, SWARMS)
    const c0 = performance.now()
    await gen.connectAll()
    const connectS = (performance.now() - c0) / 1000
    log(kind, `${PEERS} connections in ${connectS.toFixed(1)} s`)

    const stopPaced = gen.paced(INTERVAL * 1000)
    await sleep((STEADY - INTERVAL) * 1000) // every peer has joined and announced at least once
    gen.recordLatency = true
    const paced = await measure(gen, pid, INTERVAL * 1000)
    gen.recordLatency = false
    stopPaced()
    const lat = gen.latencies.sort((a, b) => a - b)
    log(kind, `paced ${paced.announces.toFixed(0)} announces/s, ${paced.relays.toFixed(0)} relays/s, tracker CPU ${(paced.trackerCpu * 100).toFixed(0)}%`)

    await sleep(1500) // let the last answers land
    await t.gc()
    const rssLoaded = procStat(pid).rss
    const held = gen.openCount()

    const stopSat = gen.saturate(WINDOW, true)
    await sleep(2000)
    const saturated = await measure(gen, pid, (SATURATE - 2) * 1000)
    stopSat()
    await sleep(1500)
    log(kind, `saturated ${saturated.announces.toFixed(0)} announces/s, ${saturated.relays.toFixed(0)} relays/s, tracker CPU ${(saturated.trackerCpu * 100).toFixed(0)}%, generator CPU ${(saturated.genCpu * 100).toFixed(0)}%`)
    const stopPlain = gen.saturate(WINDOW, false)
    await sleep(1000)
    const plain = await measure(gen, pid, 5000)
    stopPlain()
    log(kind, `announce-only ${plain.announces.toFixed(0)} announces/s, tracker CPU ${(plain.trackerCpu * 100).toFixed(0)}%, generator CPU ${(plain.genCpu * 100).toFixed(0)}%`)
    if (gen.c.failures) log(kind, `${gen.c.failures} failure replies, last: ${gen.lastFailure.slice(0, 200)}`)
    gen.closeAll()
    return {
      kind, held, connectS, paced, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99),
      rssPerPeer: (rssLoaded - rssIdle) / PEERS, rssIdle, rssLoaded, saturated, plain,
    }
  } finally {
    t.child.stdin.end()
    t.child.kill('SIGKILL')
  }
}

function log(kind: string, msg: string): void {
  console.log(`[${kind}] ${msg}`)
}

async function main(): Promise<void> {
  console.log(`Tracker load: ${PEERS} peers in ${SWARMS} swarms over loopback; interval ${INTERVAL} s; ` +
    `tracker pinned to core 0, generator to core 1 (taskset); node ${process.version}`)
  const ours = await run('tabswarm')
  await sleep(1000)
  const theirs = await run('bittorrent-tracker')
  const f0 = (n: number): string => n.toFixed(0)
  const kib = (n: number): string => (n / 1024).toFixed(2)
  const rows: [string, (r: Result) => string][] = [
    ['connections held', (r) => String(r.held)],
    ['paced: announces/s', (r) => f0(r.paced.announces)],
    ['paced: relays/s (offers + answers delivered)', (r) => f0(r.paced.relays)],
    ['paced: relay latency p50 / p99 (ms)', (r) => `${r.p50.toFixed(2)} / ${r.p99.toFixed(2)}`],
    ['paced: tracker CPU (one core)', (r) => `${f0(r.paced.trackerCpu * 100)}%`],
    ['saturated: announces/s (5 offers each, all answered)', (r) => f0(r.saturated.announces)],
    ['saturated: relays/s', (r) => f0(r.saturated.relays)],
    ['saturated: tracker / generator CPU', (r) => `${f0(r.saturated.trackerCpu * 100)}% / ${f0(r.saturated.genCpu * 100)}%`],
    ['announce-only saturated: announces/s', (r) => f0(r.plain.announces)],
    ['tracker RSS per connected peer (KiB)', (r) => kib(r.rssPerPeer)],
    ['tracker RSS idle → loaded (MiB)', (r) => `${(r.rssIdle / 1048576).toFixed(0)} → ${(r.rssLoaded / 1048576).toFixed(0)}`],
  ]
  console.log('\n| metric | tabswarm | bittorrent-tracker |\n| --- | --- | --- |')
  for (const [name, f] of rows) console.log(`| ${name} | ${f(ours)} | ${f(theirs)} |`)
  const ratio = (a: number, b: number): string => (a / b).toFixed(2)
  console.log(`\nratios (tabswarm / bittorrent-tracker):`)
  console.log(`  saturated announces/s      ${ratio(ours.saturated.announces, theirs.saturated.announces)}x   (floor: >= 2)`)
  console.log(`  announce-only announces/s  ${ratio(ours.plain.announces, theirs.plain.announces)}x`)
  console.log(`  saturated relays/s         ${ratio(ours.saturated.relays, theirs.saturated.relays)}x`)
  console.log(`  RSS per peer               ${ratio(ours.rssPerPeer, theirs.rssPerPeer)}x   (floor: <= 0.5)`)
  console.log(`  paced relay p99            ${ratio(ours.p99, theirs.p99)}x`)
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
