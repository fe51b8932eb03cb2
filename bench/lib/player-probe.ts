// A stopwatch on a page's <video>, the same for Tabswarm and WebTorrent: "playing" means frames
// are advancing (currentTime past the target and not paused), and a stall is a 'waiting' event
// until the next 'playing'. Times are the page's performance.now(), so no round trip to the test
// driver is in them.
import type { Page } from 'playwright-core'

export interface Stalls {
  count: number
  seconds: number
}

/** Installs the probe on `page` for the first element matching `selector` (now or later). */
export async function installProbe(page: Page, selector: string): Promise<void> {
  await page.evaluate((sel) => {
    const w: any = window
    const st = { t0: 0, stallCount: 0, stallMs: 0, stallSince: null as number | null, el: null as HTMLMediaElement | null }
    w.__sp = st
    const attach = (el: HTMLMediaElement) => {
      st.el = el
      el.addEventListener('waiting', () => {
        if (st.stallSince === null) {
          st.stallSince = performance.now()
          st.stallCount++
        }
      })
      el.addEventListener('playing', () => {
        if (st.stallSince !== null) st.stallMs += performance.now() - st.stallSince
        st.stallSince = null
      })
    }
    // The Tabswarm player is mounted by Play and may be replaced: re-attach to the current one.
    setInterval(() => {
      const el = document.querySelector(sel) as HTMLMediaElement | null
      if (el && el !== st.el) attach(el)
    }, 10)
  }, selector)
}

/** Starts the clock (the paste). */
export async function markStart(page: Page): Promise<void> {
  await page.evaluate(() => {
    ;(window as any).__sp.t0 = performance.now()
  })
}

/**
 * Resolves with the ms from the clock's start until the player plays past `seconds`; with
 * `resetStalls`, the stall counters restart at that moment.
 */
export async function playedPast(page: Page, seconds: number, timeoutMs: number, resetStalls = false): Promise<number> {
  return page.evaluate(
    ([s, timeout, reset]) =>
      new Promise<number>((resolve, reject) => {
        const st = (window as any).__sp
        const until = performance.now() + timeout
        const tick = setInterval(() => {
          const el: HTMLMediaElement | null = st.el
          if (el?.error) {
            clearInterval(tick)
            reject(new Error(`MediaError ${el.error.code}: ${el.error.message}`))
          } else if (el && !el.paused && el.currentTime > s + 0.04) {
            clearInterval(tick)
            if (reset) {
              st.stallCount = 0
              st.stallMs = 0
              st.stallSince = null
            }
            resolve(performance.now() - st.t0)
          } else if (performance.now() > until) {
            clearInterval(tick)
            reject(new Error(`not playing past ${s} s after ${timeout} ms (currentTime ${el?.currentTime}, readyState ${el?.readyState}, paused ${el?.paused})`))
          }
        }, 10)
      }),
    [seconds, timeoutMs, resetStalls] as const,
  )
}

/** Seeks to `seconds` (restarting the clock) and resolves with the ms until it plays past there. */
export async function seekAndTime(page: Page, seconds: number, timeoutMs: number): Promise<number> {
  await page.evaluate((s) => {
    const st = (window as any).__sp
    st.t0 = performance.now()
    st.el.currentTime = s
    void st.el.play().catch(() => {})
  }, seconds)
  return playedPast(page, seconds, timeoutMs)
}

export async function readStalls(page: Page): Promise<Stalls & { currentTime: number }> {
  return page.evaluate(() => {
    const st = (window as any).__sp
    const ongoing = st.stallSince === null ? 0 : performance.now() - st.stallSince
    return { count: st.stallCount, seconds: (st.stallMs + ongoing) / 1000, currentTime: st.el?.currentTime ?? 0 }
  })
}

/** Lets the player run until it has played `seconds` past `from` (or `wallMs` ran out); returns the stalls. */
export async function stallsOver(page: Page, from: number, seconds: number, wallMs: number): Promise<Stalls & { played: number }> {
  const until = Date.now() + wallMs
  let s = await readStalls(page)
  while (s.currentTime < from + seconds && Date.now() < until) {
    await page.waitForTimeout(250)
    s = await readStalls(page)
  }
  return { count: s.count, seconds: s.seconds, played: s.currentTime - from }
}
