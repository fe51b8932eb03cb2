// CPU time of a browser's processes and of its renderers' threads, from /proc, to see where a
// transfer spends its time (the renderer's main thread, its workers, the network service…).
import { readdirSync, readFileSync } from 'node:fs'
import { descendantPids, processType } from './browser'

const TICKS_PER_SECOND = 100 // sysconf(_SC_CLK_TCK) on Linux

function ticksOf(statPath: string): { comm: string; ticks: number } | null {
  try {
    const stat = readFileSync(statPath, 'utf8')
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields after comm: state(0) ppid(1) … utime(11) stime(12)
    return { comm, ticks: Number(f[11]) + Number(f[12]) }
  } catch {
    return null
  }
}

/** "process type / thread name" → ticks; threads of one name in one process type merged. */
function snapshot(browserPid: number): Map<string, number> {
  const out = new Map<string, number>()
  for (const pid of [browserPid, ...descendantPids(browserPid)]) {
    const type = processType(pid)
    let tids: string[] = []
    try {
      tids = readdirSync(`/proc/${pid}/task`)
    } catch {
      continue
    }
    for (const tid of tids) {
      const t = ticksOf(`/proc/${pid}/task/${tid}/stat`)
      if (!t) continue
      let thread = t.comm.replace(/\d+$/, '').trim() || t.comm
      // A process's main thread keeps the executable's name.
      if (thread === 'chromium' || thread === 'chrome') thread = 'main'
      const key = `${type}/${thread}`
      out.set(key, (out.get(key) ?? 0) + t.ticks)
    }
  }
  return out
}

export interface CpuReport {
  wallS: number
  /** process type → CPU seconds */
  processes: Array<[string, number]>
  /** "type/thread" → CPU seconds, biggest first */
  threads: Array<[string, number]>
  totalS: number
}

export interface CpuProbe {
  stop(): CpuReport
}

/** CPU used by the browser `browserPid` and its children between start and stop. */
export function probeBrowserCpu(browserPid: number): CpuProbe {
  const t0 = Date.now()
  const before = snapshot(browserPid)
  return {
    stop() {
      const after = snapshot(browserPid)
      const threads: Array<[string, number]> = []
      const procs = new Map<string, number>()
      for (const [key, ticks] of after) {
        const d = (ticks - (before.get(key) ?? 0)) / TICKS_PER_SECOND
        if (d <= 0) continue
        threads.push([key, round2(d)])
        const type = key.slice(0, key.indexOf('/'))
        procs.set(type, (procs.get(type) ?? 0) + d)
      }
      threads.sort((a, b) => b[1] - a[1])
      const processes = [...procs].map(([k, v]) => [k, round2(v)] as [string, number]).sort((a, b) => b[1] - a[1])
      return { wallS: (Date.now() - t0) / 1000, processes, threads, totalS: round2(processes.reduce((s, [, v]) => s + v, 0)) }
    },
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100
}

export function formatCpu(name: string, r: CpuReport): string {
  const pct = (s: number) => `${Math.round((100 * s) / r.wallS)}%`
  const procs = r.processes.slice(0, 4).map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(', ')
  const threads = r.threads
    .filter(([, s]) => s >= 0.1)
    .slice(0, 8)
    .map(([n, s]) => `${n} ${pct(s)}`)
    .join(', ')
  return `${name}: CPU ${r.totalS.toFixed(1)} s in ${r.wallS.toFixed(1)} s (${procs}); busiest threads (% of one core): ${threads}`
}

// ------------------------------------------------------------ other work on the machine

function machineBusyTicks(): number {
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  return (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0)
}

function processTicks(pid: number, withChildren: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime(11) stime(12) cutime(13) cstime(14), counted from the field after comm
    return Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0)
  } catch {
    return 0
  }
}

export interface OtherWorkProbe {
  /** Average number of cores busy with work that is not this benchmark, since the probe began. */
  stop(): number
}

/**
 * How much other work ran on the machine meanwhile: all busy CPU time (/proc/stat) minus this
 * benchmark's own processes (node and every process under it, sampled each second so a browser
 * that exits still counts up to its last sample). A load average would count our own browsers.
 */
export function probeOtherWork(): OtherWorkProbe {
  const t0 = Date.now()
  const busy0 = machineBusyTicks()
  // pid → [ticks at first sight (0 for a process born after the start), last ticks seen]
  const seen = new Map<number, [number, number]>()
  let first = true
  const scan = () => {
    for (const pid of [process.pid, ...descendantPids(process.pid)]) {
      const t = processTicks(pid, false)
      const s = seen.get(pid)
      if (s) s[1] = Math.max(s[1], t)
      else seen.set(pid, [first ? t : 0, t])
    }
    first = false
  }
  scan()
  const timer = setInterval(scan, 1000)
  return {
    stop() {
      clearInterval(timer)
      scan()
      const wallS = (Date.now() - t0) / 1000
      let own = 0
      for (const [a, b] of seen.values()) own += b - a
      const other = machineBusyTicks() - busy0 - own
      // Below a couple of seconds the 10 ms tick granularity makes the figure meaningless.
      return wallS >= 2 ? Math.max(0, other / TICKS_PER_SECOND / wallS) : 0
    },
  }
}

/** Several probes as one (peers in separate browsers): seconds added up by process type and thread. */
export function mergeCpu(reports: CpuReport[]): CpuReport {
  const procs = new Map<string, number>()
  const threads = new Map<string, number>()
  for (const r of reports) {
    for (const [k, v] of r.processes) procs.set(k, (procs.get(k) ?? 0) + v)
    for (const [k, v] of r.threads) threads.set(k, (threads.get(k) ?? 0) + v)
  }
  const sorted = (m: Map<string, number>) => [...m].map(([k, v]) => [k, round2(v)] as [string, number]).sort((a, b) => b[1] - a[1])
  return {
    wallS: Math.max(0, ...reports.map((r) => r.wallS)),
    processes: sorted(procs),
    threads: sorted(threads),
    totalS: round2(reports.reduce((s, r) => s + r.totalS, 0)),
  }
}
