// Down and up speed of each torrent over the last minute, one sample a second, for the speed
// graph. The samples live in plain arrays (a rune per number would cost a proxy per sample);
// `version` is the one rune the graphs watch to know when to redraw.
import type { TorrentView } from './snapshot'

export const HISTORY_SECONDS = 60
const SAMPLE_MS = 1000

export interface SpeedSeries {
  /** Bytes per second, oldest first, at most HISTORY_SECONDS samples. */
  down: number[]
  up: number[]
}

export class SpeedHistory {
  version = $state(0)
  private readonly series = new Map<string, SpeedSeries>()
  private last = 0

  /** Called on every UI refresh; keeps one sample per second whatever the refresh rate. */
  record(torrents: readonly TorrentView[], now: number): void {
    if (now - this.last < SAMPLE_MS) return
    this.last = now
    const alive = new Set<string>()
    for (const t of torrents) {
      alive.add(t.infoHash)
      let s = this.series.get(t.infoHash)
      if (!s) this.series.set(t.infoHash, (s = { down: [], up: [] }))
      push(s.down, t.downRate)
      push(s.up, t.upRate)
    }
    for (const key of this.series.keys()) if (!alive.has(key)) this.series.delete(key)
    this.version++
  }

  get(infoHash: string): SpeedSeries {
    return this.series.get(infoHash) ?? { down: [], up: [] }
  }
}

function push(a: number[], v: number): void {
  a.push(Number.isFinite(v) && v > 0 ? v : 0)
  if (a.length > HISTORY_SECONDS) a.shift()
}
