// In-page stopwatch for the app's `torrent` elements: the clock starts at a DOM event (the file
// input's change, the Download button's click) and stops at the first mutation that shows the
// torrent done, both read with performance.now() inside the page, so polling from Node adds no
// error. It also keeps the state changes and progress milestones (the leecher's phases).
import type { Page } from 'playwright-core'
import { sleep } from './env'

export interface WatchSpec {
  /** The clock starts at this DOM event on the element with this data-testid. */
  startEvent: 'change' | 'click'
  startTestId: string
  /** Only the torrent with this info hash; default any torrent with one. */
  infoHash?: string
  /** Done when data-state is seeding (seeder) or also when data-progress reaches 1 (leecher). */
  doneOn: 'seeding' | 'complete'
}

export interface WatchState {
  started: boolean
  done: boolean
  error: string | null
  /** ms from the start event to done */
  ms: number | null
  /** Start and done as epoch ms (performance.timeOrigin based), to compare pages */
  t0Abs: number
  doneAbs: number | null
  progress: number
  state: string
  peers: number
  infoHash: string
  /** [ms since start, what] */
  timeline: Array<[number, string]>
}

export async function installWatch(page: Page, spec: WatchSpec): Promise<void> {
  await page.evaluate((spec) => {
    const w: any = window
    const st = {
      t0: 0,
      started: false,
      done: false,
      error: null as string | null,
      ms: null as number | null,
      t0Abs: 0,
      doneAbs: null as number | null,
      progress: 0,
      state: '',
      peers: 0,
      infoHash: '',
      timeline: [] as Array<[number, string]>,
      nextMilestone: 0,
      nextPrep: 0,
    }
    w.__benchWatch = st
    const since = () => Math.round((performance.now() - st.t0) * 10) / 10
    document.addEventListener(
      spec.startEvent,
      (ev) => {
        const el = ev.target as Element | null
        if (st.started || !el || el.getAttribute('data-testid') !== spec.startTestId) return
        st.started = true
        st.t0 = performance.now()
        st.t0Abs = performance.timeOrigin + st.t0
        st.timeline.push([0, spec.startEvent])
      },
      true,
    )
    const check = () => {
      if (!st.started || st.done) return
      const els = Array.from(document.querySelectorAll('[data-testid=torrent]'))
      for (const el of els) {
        const ih = el.getAttribute('data-infohash') || ''
        if (!ih && !spec.infoHash) {
          // The card of a file still being read and hashed (no info hash yet): its progress.
          const p = Number(el.getAttribute('data-progress') || '0')
          while (p >= st.nextPrep && st.nextPrep <= 1) {
            st.timeline.push([since(), `${el.getAttribute('data-state') || 'preparing'} ${Math.round(st.nextPrep * 100)}%`])
            st.nextPrep = Math.round((st.nextPrep + 0.25) * 100) / 100
          }
          continue
        }
        if (spec.infoHash ? ih !== spec.infoHash : !ih) continue
        const state = el.getAttribute('data-state') || ''
        const progress = Number(el.getAttribute('data-progress') || '0')
        const peers = Number(el.getAttribute('data-peers') || '0')
        if (ih !== st.infoHash) {
          st.infoHash = ih
          st.timeline.push([since(), `infohash ${ih.slice(0, 8)}`])
        }
        if (state !== st.state) {
          st.state = state
          st.timeline.push([since(), `state ${state}`])
        }
        if (peers !== st.peers) {
          st.peers = peers
          st.timeline.push([since(), `peers ${peers}`])
        }
        st.progress = progress
        while (progress >= st.nextMilestone && st.nextMilestone <= 1) {
          st.timeline.push([since(), `progress ${Math.round(st.nextMilestone * 100)}%`])
          st.nextMilestone = st.nextMilestone === 0 ? 0.1 : Math.round((st.nextMilestone + 0.1) * 10) / 10
        }
        if (state === 'error') {
          const msg = el.querySelector('[data-testid=torrent-error]')?.textContent || 'torrent in error state'
          st.error = msg
          st.timeline.push([since(), `error ${msg}`])
          return
        }
        const done = spec.doneOn === 'seeding' ? state === 'seeding' : state === 'seeding' || progress >= 1
        if (done) {
          st.done = true
          st.ms = performance.now() - st.t0
          st.doneAbs = performance.timeOrigin + st.t0 + st.ms
          st.timeline.push([since(), 'done'])
          return
        }
      }
      const appErr = document.querySelector('[data-testid=app-error]')?.textContent
      if (appErr && !st.error) {
        st.error = appErr
        st.timeline.push([since(), `app-error ${appErr}`])
      }
    }
    new MutationObserver(check).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state', 'data-progress', 'data-infohash', 'data-peers'],
    })
  }, spec)
}

export async function readWatch(page: Page): Promise<WatchState> {
  return page.evaluate(() => {
    const st = (window as any).__benchWatch
    return {
      started: st.started,
      done: st.done,
      error: st.error,
      ms: st.ms,
      t0Abs: st.t0Abs,
      doneAbs: st.doneAbs,
      progress: st.progress,
      state: st.state,
      peers: st.peers,
      infoHash: st.infoHash,
      timeline: st.timeline,
    }
  })
}

/**
 * Polls the in-page watches every second until all are done; fails on an error, on `timeoutMs`,
 * or when no progress moved for `stallMs`.
 */
export async function waitAllDone(
  pages: Array<{ name: string; page: Page }>,
  opts: { timeoutMs: number; stallMs: number; label: string },
): Promise<WatchState[]> {
  const started = Date.now()
  let lastChange = Date.now()
  let lastKey = ''
  let lastPrint = 0
  for (;;) {
    const states = await Promise.all(pages.map((p) => readWatch(p.page)))
    const bad = states.findIndex((s) => s.error)
    if (bad >= 0) throw new Error(`${opts.label}: ${pages[bad]!.name}: ${states[bad]!.error}`)
    if (states.every((s) => s.done)) return states
    const key = states.map((s) => `${s.state}/${s.progress}`).join(',')
    if (key !== lastKey) {
      lastKey = key
      lastChange = Date.now()
    }
    const now = Date.now()
    if (now - lastPrint > 10_000) {
      lastPrint = now
      const summary = states.map((s, i) => `${pages[i]!.name} ${s.state || '-'} ${(s.progress * 100).toFixed(0)}%`).join(', ')
      console.log(`    … ${opts.label} ${((now - started) / 1000).toFixed(0)} s: ${summary}`)
    }
    if (now - started > opts.timeoutMs) throw new Error(`${opts.label}: not done after ${opts.timeoutMs / 1000} s (${lastKey})`)
    if (now - lastChange > opts.stallMs) throw new Error(`${opts.label}: no progress for ${opts.stallMs / 1000} s (${lastKey})`)
    await sleep(1000)
  }
}
