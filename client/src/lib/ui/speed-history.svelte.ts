// Down and up speed of each torrent over the last minute, one sample a second, for the speed
// graph. The samples live in plain arrays (a rune per number would cost a proxy per sample);
// each torrent has a version the graphs watch to know when to redraw. It moves only when the
// picture does: a sample of an idle torrent pushes a zero out for a zero in, and a tab seeding
// 100 idle torrents must not redraw 100 graphs a second.
import { SvelteMap } from 'svelte/reactivity'
import type { TorrentView } from './snapshot'

export const HISTORY_SECONDS = 60
const SAMPLE_MS = 1000

export interface SpeedSeries {
  /** Bytes per second, oldest first, at most HISTORY_SECONDS samples. */
  down: number[]
  up: number[]
}

export class SpeedHistory {
  private readonly versions = new SvelteMap<string, number>()
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
      const fresh = !s
      if (!s) this.series.set(t.infoHash, (s = { down: [], up: [] }))
      const downMoved = push(s.down, t.downRate)
      const upMoved = push(s.up, t.upRate)
      if (fresh || downMoved || upMoved) this.versions.set(t.infoHash, (this.versions.get(t.infoHash) ?? 0) + 1)
    }
    for (const key of this.series.keys()) {
      if (alive.has(key)) continue
      this.series.delete(key)
      this.versions.delete(key)
    }
  }

  /** Changes whenever `infoHash`'s graph would look different; reading it subscribes an effect. */
  version(infoHash: string): number {
    return this.versions.get(infoHash) ?? 0
  }

  get(infoHash: string): SpeedSeries {
    return this.series.get(infoHash) ?? { down: [], up: [] }
  }
}

/** Appends a sample; true unless a zero went in and only zeros (or nothing) came out. */
function push(a: number[], v: number): boolean {
  const sample = Number.isFinite(v) && v > 0 ? v : 0
  a.push(sample)
  const dropped = a.length > HISTORY_SECONDS ? a.shift()! : 0
  return sample !== 0 || dropped !== 0
}
