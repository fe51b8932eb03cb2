// One measured window of bench/tracker-load.ts: what the load generator counted and what the
// tracker processes (nodes and Redis) spent meanwhile, and the best of several such windows.
// `redisPid`: the target's redis-server, whose CPU is also reported apart (0: none).

import { procsStat } from './tracker-cluster'
import type { Counters, LoadGenerator } from './tracker-gen'

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export interface Window {
  seconds: number; announces: number; relays: number; trackerCpu: number; genCpu: number; failures: number
  /** Announces per second of tracker CPU time: capacity of one full core, robust to sharing. */
  perCpuSecond: number
  /** The redis-server's share of trackerCpu (cluster targets; NaN otherwise). */
  redisCpu: number
  /** Announces per second of redis-server CPU time (cluster targets; NaN otherwise). */
  perRedisCpuSecond: number
  /** Write system calls of the tracker processes (nodes + Redis) per announce answered. */
  writesPerAnnounce: number
  /** Raw totals of the window: announces answered, CPU seconds of all tracker processes, of Redis, their write calls. */
  announced: number; cpuSeconds: number; redisSeconds: number; writes: number
  /** CPU seconds of the tracker processes spent in the kernel (system time). */
  sysSeconds: number
}
export const EMPTY: Window = {
  seconds: 0, announces: NaN, relays: NaN, trackerCpu: NaN, genCpu: NaN, failures: 0, perCpuSecond: NaN, redisCpu: NaN, perRedisCpuSecond: NaN,
  writesPerAnnounce: NaN, announced: NaN, cpuSeconds: NaN, redisSeconds: NaN, writes: NaN, sysSeconds: NaN,
}

/** "N µs CPU per announce of which M µs in the kernel" (TRACKER_WINDOWS=1 diagnostics). */
export function cpuPerAnnounce(w: Window): string {
  return `${((1e6 * w.cpuSeconds) / w.announced).toFixed(0)} µs CPU per announce of which ${((1e6 * w.sysSeconds) / w.announced).toFixed(0)} µs in the kernel`
}

/** Counts what happens during `ms`, along with both processes' CPU use. */
export async function measure(gen: LoadGenerator, pid: readonly number[], ms: number, redisPid = 0): Promise<Window> {
  const c0: Counters = gen.snapshot()
  const p0 = procsStat(pid)
  const r0 = redisPid ? procsStat([redisPid]).cpu : NaN
  const g0 = process.cpuUsage()
  const t0 = performance.now()
  await sleep(ms)
  const seconds = (performance.now() - t0) / 1000
  const c1 = gen.snapshot()
  const p1 = procsStat(pid)
  const r1 = redisPid ? procsStat([redisPid]).cpu : NaN
  const g1 = process.cpuUsage(g0)
  const announced = c1.announcesAnswered - c0.announcesAnswered
  return {
    seconds,
    perCpuSecond: announced / (p1.cpu - p0.cpu),
    announces: announced / seconds,
    relays: (c1.offersReceived - c0.offersReceived + c1.answersReceived - c0.answersReceived) / seconds,
    trackerCpu: (p1.cpu - p0.cpu) / seconds,
    redisCpu: (r1 - r0) / seconds,
    perRedisCpuSecond: announced / (r1 - r0),
    writesPerAnnounce: (p1.writes - p0.writes) / announced,
    announced, cpuSeconds: p1.cpu - p0.cpu, redisSeconds: r1 - r0, writes: p1.writes - p0.writes, sysSeconds: p1.sys - p0.sys,
    genCpu: (g1.user + g1.system) / 1e6 / seconds,
    failures: c1.failures - c0.failures,
  }
}

/**
 * The best of several short windows: other work on these cores comes and goes, and a window it
 * hit understates what the tracker can do. Every target gets the same treatment.
 * Per CPU-second figures, though, are over all the windows together: CPU time is little moved by
 * outside load, and a cluster target works in waves (Redis runs a burst of announce scripts, then
 * the nodes deliver their replies and relays), so the window with the most replies was often one
 * whose Redis work had been done in the window before: redis-server CPU 0%, announces per Redis
 * CPU-second "Infinity", and the nodes' per CPU-second figure inflated alike.
 */
export async function bestOf(gen: LoadGenerator, pid: readonly number[], windows: number, ms: number, redisPid = 0): Promise<Window> {
  const all: Window[] = []
  for (let i = 0; i < windows; i++) all.push(await measure(gen, pid, ms, redisPid))
  // TRACKER_WINDOWS=1: every window, not just the best (a diagnostic).
  if (process.env.TRACKER_WINDOWS === '1') {
    for (const w of all) console.log(`   window: ${w.announces.toFixed(0)} announces/s, ${w.relays.toFixed(0)} relays/s, ${(w.announced / w.cpuSeconds).toFixed(0)} per CPU-second, ${w.writesPerAnnounce.toFixed(1)} write calls per announce, ${cpuPerAnnounce(w)}`)
  }
  const best = { ...all.reduce((a, b) => (b.announces > a.announces ? b : a)) }
  const sum = (f: (w: Window) => number): number => all.reduce((a, w) => a + f(w), 0)
  best.failures = sum((w) => w.failures)
  best.perCpuSecond = sum((w) => w.announced) / sum((w) => w.cpuSeconds)
  best.redisCpu = sum((w) => w.redisSeconds) / sum((w) => w.seconds)
  best.perRedisCpuSecond = sum((w) => w.announced) / sum((w) => w.redisSeconds)
  best.writesPerAnnounce = sum((w) => w.writes) / sum((w) => w.announced)
  return best
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN
}

