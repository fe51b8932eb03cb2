// Browser benchmarks of Tabswarm against the raw data channel and WebTorrent (see BENCHMARKS.md).
//
//   npm run bench                                  all scenarios, figures into BENCHMARKS.md
//   npm run bench -- raw hash                      a subset (raw raw-swarm webtorrent tabswarm swarm webtorrent-swarm seed hash memory many)
//   npm run bench -- many                          one tab seeding 100 torrents, Tabswarm vs WebTorrent (own section)
//   npm run bench -- stream                        streaming a 139 MiB video, Tabswarm vs WebTorrent (own section; BENCH_STREAM_S=30 for a quick check)
//   npm run bench -- tabswarm-inmemory             a diagnostic, only when named
//   BENCH_MB=64 npm run bench -- tabswarm          smaller file for quick iterations
//
// Env (all optional):
//   BENCH_MB          main file in MiB (default 256)        BENCH_MEMORY_MB  memory scenario (1024)
//   BENCH_LEECHERS    swarm leechers (4)                    BENCH_ROUNDS     rounds of raw/webtorrent/tabswarm (3)
//   BENCH_WAIT_QUIET  seconds to wait for an idle machine before each scenario (30; 0 = off)
//   BENCH_WRITE=1|0   force/suppress writing BENCHMARKS.md (default: only a full run at default sizes)
//   BENCH_PROFILE=1   CPU profile of the 1→1 peers' main threads (unminified app build; slower)
//   BENCH_TMPDIR      where the random files and profiles go (OS temp dir); BENCH_KEEP_TMP=1 keeps them
//   BENCH_VERBOSE=1   print the pages' console; BENCH_TIMEOUT_S overrides a transfer's time limit
//
// Browsers only ever run inside a loopback-only network namespace (npm run bench does that through
// scripts/in-loopback-netns.sh); this script refuses to start one when another interface is up.
import os from 'node:os'
import path from 'node:path'
import type { Ctx } from './lib/context'
import { BENCH_MB, MEMORY_MB, ROOT, SWARM_LEECHERS, assertLoopbackOnly, tmpSpace, waitQuiet } from './lib/env'
import { figureRows, floorRows, machine, printTable, section, writeSection } from './lib/report'
import { startStaticServer } from './lib/static-server'
import { buildApp, run } from './lib/tabswarm'
import { hash } from './scenarios/hash'
import { many } from './scenarios/many'
import { raw } from './scenarios/raw'
import { rawSwarm } from './scenarios/raw-swarm'
import { stream } from './scenarios/stream'
import { memory, swarm, tabswarm, tabswarmInMemory, tabswarmSeedOnly } from './scenarios/tabswarm'
import { webtorrent, webtorrentSeedOnly, webtorrentSwarm } from './scenarios/webtorrent'
import { probeOtherWork } from './lib/cpu'

/**
 * The issue's scenarios, plus two references for the swarm ratio: WebTorrent 1→N, and the bare
 * data channel 1→N (raw-swarm: what N× the bytes cost on these cores with no client at all).
 */
const ALL = ['raw', 'raw-swarm', 'webtorrent', 'tabswarm', 'swarm', 'webtorrent-swarm', 'seed', 'hash', 'memory', 'many', 'stream'] as const
/** Diagnostics, run only when named: both Tabswarm peers with in-memory IndexedDB. */
const EXTRA = ['tabswarm-inmemory'] as const
type Scenario = (typeof ALL)[number] | (typeof EXTRA)[number]

async function seed(ctx: Ctx): Promise<void> {
  // The 1→1 scenarios already time seeding on a fresh profile; only measure what is missing.
  if (ctx.results['ts.seedMs'] === undefined) await tabswarmSeedOnly(ctx)
  if (ctx.results['wt.seedMs'] === undefined) await webtorrentSeedOnly(ctx)
}

/** Scenarios run ROUNDS times (BENCH_ROUNDS, default 3), interleaved; the best of each is kept. */
const REPEATED: readonly Scenario[] = ['raw', 'webtorrent', 'tabswarm']
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3) || 1)
/** The figure family (key prefix) of each repeated scenario. */
const FAMILY: Record<string, string> = { raw: 'raw', webtorrent: 'wt', tabswarm: 'ts' }

/**
 * Merges what a scenario just measured with earlier rounds. Figures come in families by prefix
 * ('ts.ms', 'ts.mbps', 'ts.cpuPer100MB'…); a family is kept whole from the round with the best
 * throughput (`<prefix>.mbps`), so its figures describe one run. Every value goes to ctx.samples.
 */
function keepBest(ctx: Ctx, before: Record<string, number>): void {
  const changed = Object.keys(ctx.results).filter((k) => ctx.results[k] !== before[k])
  for (const k of changed) (ctx.samples[k] ??= []).push(ctx.results[k]!)
  const families = new Set(changed.map((k) => k.slice(0, k.indexOf('.'))))
  for (const f of families) {
    const old = before[`${f}.mbps`]
    const now = ctx.results[`${f}.mbps`]
    if (old === undefined || now === undefined || now >= old) continue
    for (const k of Object.keys(ctx.results)) if (k.startsWith(`${f}.`) && before[k] !== undefined) ctx.results[k] = before[k]!
  }
}

const RUNNERS: Record<Scenario, (ctx: Ctx) => Promise<void>> = {
  raw,
  'raw-swarm': rawSwarm,
  webtorrent,
  tabswarm,
  swarm,
  seed,
  hash,
  memory,
  many,
  stream,
  'tabswarm-inmemory': tabswarmInMemory,
  'webtorrent-swarm': webtorrentSwarm,
}

async function main(): Promise<number> {
  const args = process.argv.slice(2)
  const known: readonly string[] = [...ALL, ...EXTRA]
  const unknown = args.filter((a) => !known.includes(a))
  if (unknown.length) {
    console.error(`unknown scenario(s): ${unknown.join(', ')}; choose from ${known.join(' ')}`)
    return 2
  }
  const selected: Scenario[] = args.length === 0 ? [...ALL] : [...ALL, ...EXTRA].filter((s) => args.includes(s))
  assertLoopbackOnly()
  const t0 = Date.now()
  console.log(`Tabswarm browser benchmarks: ${selected.join(', ')}; ${BENCH_MB} MiB (memory ${MEMORY_MB} MiB, ${SWARM_LEECHERS} leechers)`)
  console.log(`machine: ${machine()}`)
  const load0 = os.loadavg()[0]!
  if (load0 > os.availableParallelism()) console.log(`note: the 1-min load average is ${load0.toFixed(1)} on ${os.availableParallelism()} cores: other work is running`)

  const tmp = await tmpSpace()
  const cleanup = async () => {
    if (process.env.BENCH_KEEP_TMP === '1') console.log(`temp files kept in ${tmp.dir}`)
    else await tmp.cleanup()
  }
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      console.error(`\n${sig}: removing ${tmp.dir}`)
      void cleanup().finally(() => process.exit(130))
    })
  }

  const ctx: Ctx = {
    tmp,
    staticUrl: '',
    hashPage: 'hash/',
    appDir: null,
    appError: null,
    mb: BENCH_MB,
    round: 1,
    results: {},
    facts: {},
    notes: [],
    loads: {},
    samples: {},
  }
  ctx.facts['rounds'] = String(ROUNDS)
  const failures: Record<string, string> = {}
  let server: Awaited<ReturnType<typeof startStaticServer>> | undefined
  try {
    if (selected.some((s) => ['tabswarm', 'swarm', 'seed', 'memory', 'many', 'stream', 'tabswarm-inmemory'].includes(s))) {
      const appDir = path.join(tmp.dir, 'app')
      try {
        await buildApp(appDir)
        ctx.appDir = appDir
      } catch (err) {
        ctx.appError = err instanceof Error ? err.message : String(err)
        console.error(`the app did not build: ${ctx.appError}`)
      }
    }
    let hashDir: string | null = null
    if (selected.includes('hash')) {
      hashDir = path.join(tmp.dir, 'hash-page')
      try {
        const vite = path.join(ROOT, 'node_modules', '.bin', 'vite')
        await run(vite, ['build', '--config', 'bench/hash-page/vite.config.ts', '--outDir', hashDir, '--emptyOutDir', '--logLevel', 'warn'], 'vite build (hash page)')
      } catch (err) {
        console.error(`the HashPool page did not build, measuring the bench's own worker pool instead: ${String(err).slice(0, 500)}`)
        hashDir = null
        ctx.hashPage = 'hash-fallback.html'
      }
    }
    server = await startStaticServer(hashDir)
    ctx.staticUrl = server.url

    // The 1→1 trio runs ROUNDS times, interleaved, and keeps each one's best: on a shared
    // machine a burst of other work then spoils one sample, not the ratio.
    const trio = selected.filter((s) => REPEATED.includes(s))
    // Notes of the repeated scenarios, per round: only the kept round's go to the report.
    const roundNotes = new Map<string, string[]>()
    const plan: Array<[Scenario, number]> = []
    for (let r = 1; r <= ROUNDS; r++) for (const s of trio) plan.push([s, r])
    for (const s of selected) if (!REPEATED.includes(s)) plan.push([s, 1])
    for (const [s, round] of plan) {
      if (failures[s]) continue
      const waited = await waitQuiet()
      if (waited > 5000) console.log(`\n(waited ${(waited / 1000).toFixed(0)} s for a quiet machine)`)
      const ts = Date.now()
      console.log(`\n▶ ${s}${trio.includes(s) && ROUNDS > 1 ? ` (round ${round} of ${ROUNDS})` : ''}`)
      const other = probeOtherWork()
      ctx.round = round
      const before = { ...ctx.results }
      const notesBefore = ctx.notes.length
      try {
        await RUNNERS[s](ctx)
        const load = other.stop()
        ctx.loads[s] = Math.max(ctx.loads[s] ?? 0, load)
        console.log(`  (${((Date.now() - ts) / 1000).toFixed(0)} s; other work on the machine meanwhile: ${load.toFixed(2)} cores)`)
      } catch (err) {
        ctx.loads[s] = Math.max(ctx.loads[s] ?? 0, other.stop())
        const msg = err instanceof Error ? err.message : String(err)
        failures[s] = msg
        console.error(`  ✗ ${s} failed after ${((Date.now() - ts) / 1000).toFixed(0)} s: ${msg}`)
      }
      keepBest(ctx, before)
      if (trio.includes(s) && ROUNDS > 1) roundNotes.set(`${s}#${round}`, ctx.notes.splice(notesBefore))
    }
    // The notes of each repeated scenario's kept round, in scenario order, before the others.
    const kept: string[] = []
    for (const s of trio) {
      const xs = ctx.samples[`${FAMILY[s]}.mbps`] ?? []
      const best = xs.length ? xs.indexOf(Math.max(...xs)) + 1 : 1
      const notes = roundNotes.get(`${s}#${best}`) ?? []
      // The two-browser comparison runs in round 1 only: its notes stay.
      const once = best === 1 ? [] : (roundNotes.get(`${s}#1`) ?? []).filter((n) => n.includes('(two browsers)'))
      kept.push(...notes.map((n) => `[round ${best}] ${n}`), ...once.map((n) => `[round 1] ${n}`))
    }
    ctx.notes.unshift(...kept)
  } finally {
    await server?.close()
    await cleanup()
  }

  const elapsedS = (Date.now() - t0) / 1000
  printTable('Figures', ['Scenario', 'Figure'], figureRows(ctx, failures).filter(([s]) => selected.includes(s as Scenario)).map(([, w, v]) => [w, v]))
  printTable('Floors', ['Floor', 'Measured', 'Result'], floorRows(ctx))
  if (ctx.notes.length) {
    console.log('\nWhere the time goes:')
    for (const n of ctx.notes) console.log(`  - ${n}`)
  }
  console.log(`\nwhole run: ${elapsedS.toFixed(0)} s`)

  const full = ALL.every((s) => selected.includes(s)) && !process.env.BENCH_MB && !process.env.BENCH_MEMORY_MB && !process.env.BENCH_LEECHERS
  // `many` and `stream` write sections of their own: a run of only those leaves this one alone,
  // even when forced (it would replace every figure with "not run").
  const ownSections: readonly Scenario[] = ['many', 'stream']
  const browserRan = selected.some((s) => !ownSections.includes(s))
  const write = browserRan && (process.env.BENCH_WRITE === '1' || (process.env.BENCH_WRITE !== '0' && full))
  if (write) console.log(`wrote the "Browser benchmarks" section of ${await writeSection(section(ctx, failures, elapsedS))}`)
  else console.log('BENCHMARKS.md not written (a subset or non-default sizes; BENCH_WRITE=1 forces it)')
  return Object.keys(failures).length ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
