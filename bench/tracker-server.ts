// Child process of bench/tracker-load.ts: runs one tracker implementation on 127.0.0.1 and
// reports its port. Both implementations run under the same wrapper, flags and CPU pinning.
//   node --expose-gc --import tsx bench/tracker-server.ts <tabswarm|tabswarm-redis|bittorrent-tracker|ws-floor> <interval s> [redis url]
// stdout: "READY <port>"; stdin: "gc" -> runs a full GC and answers
// "GC <warnings> <heapUsed> <heapTotal> <external> <arrayBuffers>" (bytes).
// TRACKER_PROFILE_DIR: writes a CPU profile of the saturated phase there (a diagnostic);
// TRACKER_PROFILE_PACED: the same of 5 s of the paced phase (from 11 s after the first GC).

import { createInterface } from 'node:readline'

const kind = process.argv[2]
const interval = Number(process.argv[3] ?? 120)
let port: number
let warnings = 0

if (kind === 'tabswarm' || kind === 'tabswarm-redis') {
  const { createTracker } = await import('../signal-tracker/server')
  // Defaults everywhere (rate limit, pings, caps) except the per-IP cap: every simulated peer
  // comes from 127.0.0.1. tabswarm-redis: a cluster node on the Redis at argv[4].
  const redisUrl = kind === 'tabswarm-redis' ? process.argv[4] : undefined
  const t = createTracker({ host: '127.0.0.1', port: 0, staticDir: null, announceInterval: interval, maxConnPerIp: 1_000_000, ...(redisUrl ? { redisUrl } : {}) })
  await t.ready
  port = t.address().port
} else if (kind === 'bittorrent-tracker') {
  // Its package root also loads the client, whose WebRTC dependency is a native module not
  // built here; the server entry point is all we need.
  // (A non-literal specifier: the package ships no types, and these few lines need none.)
  const spec: string = 'bittorrent-tracker/server'
  const { default: Server } = (await import(spec)) as {
    default: new (opts: Record<string, unknown>) => {
      listen(port: number, host: string, cb: () => void): void
      on(ev: string, fn: (...a: unknown[]) => void): void
      ws: { address(): { port: number } }
    }
  }
  // Its ws clients are told interval/5 (server.js), so pass 5x to announce the same interval.
  const s = new Server({ http: false, udp: false, ws: true, stats: false, interval: interval * 1000 * 5 })
  s.on('warning', () => { warnings++ })
  s.on('error', (e) => { console.error('bittorrent-tracker error', e) })
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  port = s.ws.address().port
} else if (kind === 'ws-floor') {
  // Not a tracker: a bare `ws` server (same options as ours) answering every frame with a
  // constant announce response, no parsing, no state, no relays. What any ws-based tracker
  // pays per connection and per frame before doing any tracking at all.
  const { createServer } = await import('node:http')
  const { WebSocketServer } = await import('ws')
  const http = createServer()
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, skipUTF8Validation: true })
  const reply = JSON.stringify({ action: 'announce', interval, info_hash: 'BENCHSWARM0000000000', complete: 0, incomplete: 1 })
  http.on('upgrade', (req, sock, head) => wss.handleUpgrade(req, sock, head, (ws) => {
    ws.on('message', () => ws.send(reply))
    ws.on('error', () => {})
  }))
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  port = (http.address() as { port: number }).port
} else {
  throw new Error(`unknown tracker kind ${kind}`)
}

process.stdout.write(`READY ${port}\n`)
const gc = (globalThis as { gc?: () => void }).gc
let gcs = 0
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'gc') {
    // The second full GC comes right before the saturated phase: a diagnostic CPU profile of
    // it when TRACKER_PROFILE_DIR is set (TRACKER_PROFILE_S seconds, default 5). The first comes
    // before the peers connect (~4 s) and the paced phase's first interval (10 s).
    const paced = process.env.TRACKER_PROFILE_PACED
    if (++gcs === 1 && paced) setTimeout(() => void profile(paced, 5), 11_000)
    if (gcs === 2 && process.env.TRACKER_PROFILE_DIR) void profile(process.env.TRACKER_PROFILE_DIR, Number(process.env.TRACKER_PROFILE_S ?? 5))
    gc?.()
    gc?.()
    const m = process.memoryUsage()
    process.stdout.write(`GC ${warnings} ${m.heapUsed} ${m.heapTotal} ${m.external} ${m.arrayBuffers}\n`)
  }
})
process.stdin.on('end', () => process.exit(0))

async function profile(dir: string, seconds: number): Promise<void> {
  const { Session } = await import('node:inspector/promises')
  const { writeFileSync } = await import('node:fs')
  const { PerformanceObserver, constants } = await import('node:perf_hooks')
  const names: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  }
  const gcs: Record<string, { n: number; ms: number }> = {}
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const k = names[((e as { detail?: { kind?: number } }).detail)?.kind ?? -1] ?? 'other'
      const g = (gcs[k] ??= { n: 0, ms: 0 })
      g.n++
      g.ms += e.duration
    }
  })
  obs.observe({ entryTypes: ['gc'] })
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const { profile: p } = await session.post('Profiler.stop')
  obs.disconnect()
  writeFileSync(`${dir}/${kind}-${process.pid}.cpuprofile`, JSON.stringify(p))
  writeFileSync(`${dir}/${kind}-${process.pid}.gc.json`, JSON.stringify(gcs))
  session.disconnect()
}
