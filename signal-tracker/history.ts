// Peers and torrents over the last hour for the dashboard's chart. Fed from the same numbers as
// GET /api/stats through a callback, so it does not care how the tracker keeps its state (one
// process in memory, or a Redis cluster): a bounded series of samples, the oldest dropped.

export interface HistorySample {
  /** Unix ms. */
  t: number
  peers: number
  torrents: number
}

export interface HistoryView {
  intervalMs: number
  windowMs: number
  samples: HistorySample[]
}

export interface StatsHistory {
  /** Take a sample now (also done on a timer). */
  record(now?: number): void
  view(): HistoryView
  stop(): void
}

export interface HistoryOptions {
  /** Sampling period (default 10 s: 360 points an hour). */
  intervalMs?: number
  /** How far back to keep (default one hour). */
  windowMs?: number
}

type Counts = { peers: number; torrents: number }

export function createStatsHistory(read: () => Counts | Promise<Counts>, opts: HistoryOptions = {}): StatsHistory {
  const intervalMs = Math.max(10, opts.intervalMs ?? 10_000)
  const windowMs = Math.max(intervalMs, opts.windowMs ?? 60 * 60_000)
  const max = Math.ceil(windowMs / intervalMs) + 1
  const samples: HistorySample[] = []
  // A failed read (say, the state store is unreachable) leaves a gap, not a crash.
  const failed = (err: unknown) => console.error('signal-tracker: history sample failed', err)

  const push = (s: Counts, now: number): void => {
    samples.push({ t: now, peers: count(s.peers), torrents: count(s.torrents) })
    while (samples.length > max || (samples.length > 0 && samples[0]!.t < now - windowMs)) samples.shift()
  }

  // Cluster-wide figures come from Redis (a promise); one process's from memory (at once).
  const record = (now = Date.now()): void => {
    let s: Counts | Promise<Counts>
    try {
      s = read()
    } catch (err) {
      return failed(err)
    }
    if (s instanceof Promise) s.then((c) => push(c, now), failed)
    else push(s, now)
  }

  record()
  const timer = setInterval(() => record(), intervalMs)
  timer.unref()
  return {
    record,
    view: () => ({ intervalMs, windowMs, samples: samples.slice() }),
    stop: () => clearInterval(timer),
  }
}

const count = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0)
