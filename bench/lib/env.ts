// Shared settings of the browser benchmarks: sizes, Chromium flags, temp files.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BENCH_DIR = path.join(ROOT, 'bench')
export const MiB = 1024 * 1024

/** Size of the main file (MiB); BENCH_MB overrides the 256 for quick iterations. */
export const BENCH_MB = positiveInt(process.env.BENCH_MB, 256)
/** Size of the memory scenario's file (MiB); BENCH_MEMORY_MB overrides 1024. */
export const MEMORY_MB = positiveInt(process.env.BENCH_MEMORY_MB, 1024)
/** Leechers of the swarm scenario. */
export const SWARM_LEECHERS = positiveInt(process.env.BENCH_LEECHERS, 4)

function positiveIntOrZero(v: string | undefined, dflt: number): number {
  return v === '0' ? 0 : positiveInt(v, dflt)
}

function positiveInt(v: string | undefined, dflt: number): number {
  if (v === undefined || v === '') return dflt
  const n = Number(v)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive integer, got ${JSON.stringify(v)}`)
  return n
}

/** DESIGN.md "Testing safely on these machines": the same flags as the e2e tests; no STUN/TURN anywhere. */
export { CHROMIUM_ARGS } from '../../e2e/chromium'

export function chromiumPath(): string {
  const p = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
  if (!existsSync(p)) throw new Error(`${p} is missing (apt-get install chromium, or set CHROMIUM_PATH)`)
  return p
}

export function chromiumVersion(): string {
  try {
    return execFileSync(chromiumPath(), ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}

/** Refuse to run a browser outside a loopback-only network namespace (no route but lo). */
export function assertLoopbackOnly(): void {
  if (process.env.BENCH_ALLOW_NETWORK === '1') return
  const ifaces = Object.entries(os.networkInterfaces())
  const outside = ifaces.filter(([name, addrs]) => name !== 'lo' && (addrs ?? []).length > 0).map(([n]) => n)
  if (outside.length > 0) {
    throw new Error(
      `network interfaces other than lo are up (${outside.join(', ')}): run the browser benchmarks in a loopback-only namespace ` +
        `(npm run bench, or unshare -n sh -c 'ip link set lo up; exec node --import tsx bench/run.ts')`,
    )
  }
}

export interface TmpSpace {
  dir: string
  /** A file of `mib` MiB of random bytes, made once per run and size. */
  file(mib: number): Promise<string>
  /** A new empty folder (a browser profile). */
  profile(name: string): Promise<string>
  cleanup(): Promise<void>
}

export async function tmpSpace(): Promise<TmpSpace> {
  const base = process.env.BENCH_TMPDIR || os.tmpdir()
  await mkdir(base, { recursive: true })
  const dir = await mkdtemp(path.join(base, 'tabswarm-bench-'))
  const files = new Map<number, Promise<string>>()
  let n = 0
  return {
    dir,
    file(mib) {
      let p = files.get(mib)
      if (!p) {
        p = writeRandomFile(path.join(dir, `random-${mib}MiB.bin`), mib)
        files.set(mib, p)
      }
      return p
    },
    async profile(name) {
      const p = path.join(dir, `profile-${++n}-${name}`)
      await mkdir(p, { recursive: true })
      return p
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true })
    },
  }
}

async function writeRandomFile(file: string, mib: number): Promise<string> {
  const fh = await open(file, 'w')
  try {
    for (let i = 0; i < mib; i += 16) {
      const chunk = randomBytes(Math.min(16, mib - i) * MiB)
      await fh.write(chunk)
    }
  } finally {
    await fh.close()
  }
  return file
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** MB/s, decimal megabytes (as the floors in the issue are). */
export function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000)
}

/** Share of all CPU time spent busy (not idle/iowait) over the next `ms`, from /proc/stat. */
export async function cpuBusyFraction(ms = 1000): Promise<number> {
  const { readFile } = await import('node:fs/promises')
  const read = async () => {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!
    const f = line.trim().split(/\s+/).slice(1).map(Number)
    const idle = (f[3] ?? 0) + (f[4] ?? 0)
    const total = f.reduce((a, b) => a + b, 0)
    return { idle, total }
  }
  const a = await read()
  await sleep(ms)
  const b = await read()
  const total = b.total - a.total
  return total > 0 ? 1 - (b.idle - a.idle) / total : 0
}

/**
 * Before a scenario, wait (at most BENCH_WAIT_QUIET seconds, default 30; 0 turns it off) until
 * the machine has been under 25% busy for 3 s in a row, so other work skews the figures less.
 * Returns the time waited.
 */
export async function waitQuiet(): Promise<number> {
  const max = positiveIntOrZero(process.env.BENCH_WAIT_QUIET, 30) * 1000
  if (!(max > 0)) return 0
  const t0 = Date.now()
  let calm = 0
  while (Date.now() - t0 < max) {
    calm = (await cpuBusyFraction(1000)) < 0.25 ? calm + 1 : 0
    if (calm >= 3) break
  }
  return Date.now() - t0
}
