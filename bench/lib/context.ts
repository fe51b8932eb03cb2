// What scenarios share: temp space, servers, and where figures and notes go.
import type { TmpSpace } from './env'
import type { WatchState } from './watch'

export interface Ctx {
  tmp: TmpSpace
  /** The bench's own static server (raw, WebTorrent and hashing pages). */
  staticUrl: string
  /** Path of the hashing page on staticUrl, and what it measures. */
  hashPage: string
  /** The app built for this run, or why it could not be built. */
  appDir: string | null
  appError: string | null
  /** Main file size, MiB. */
  mb: number
  /** Which round of the repeated scenarios this is (1-based); diagnostics run in round 1 only. */
  round: number
  /** Figures by key (the best over rounds, see run.ts keepBest). */
  results: Record<string, number>
  /** Every measured value of a figure, in order (several when a scenario ran several rounds). */
  samples: Record<string, number[]>
  /** Text facts next to figures (implementation measured, storage used…). */
  facts: Record<string, string>
  /** Diagnostic lines for the report (phases, CPU). */
  notes: string[]
  /** Cores busy with other work than the benchmark, on average, during each scenario. */
  loads: Record<string, number>
}

/** A transfer's time limit: a minute plus the size at 1.5 MB/s. */
export function transferTimeoutMs(bytes: number): number {
  const env = Number(process.env.BENCH_TIMEOUT_S)
  if (env > 0) return env * 1000
  return 60_000 + (bytes / 1.5e6) * 1000
}

export const STALL_MS = 90_000

export function formatTimeline(tl: WatchState['timeline']): string {
  const fmt = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`)
  const peerChanges = tl.filter(([, w]) => /^peers /.test(w)).length
  const keep = tl.filter(([, what]) => peerChanges <= 6 || !/^peers /.test(what))
  // Events at the same instant are shown together: "state seeding, progress 100% @7.60 s".
  const groups: Array<[number, string[]]> = []
  for (const [ms, what] of keep) {
    const last = groups[groups.length - 1]
    if (last && Math.abs(last[0] - ms) < 1) last[1].push(what)
    else groups.push([ms, [what]])
  }
  const squash = (items: string[]) => {
    // progress 0%, 10% … 100% at one instant → "progress 0–100%"
    const prog = items.filter((w) => /^progress /.test(w))
    const rest = items.filter((w) => !/^progress /.test(w))
    if (prog.length > 1) rest.push(`progress ${prog[0]!.slice(9)}–${prog[prog.length - 1]!.slice(9)}`)
    else rest.push(...prog)
    return rest.join(', ')
  }
  return groups.map(([ms, items]) => `${squash(items)} @${fmt(ms)}`).join(' → ')
}

export function withTimeout<T>(p: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${label}: no result after ${Math.round(ms / 1000)} s`)), ms)
    }),
  ])
}
