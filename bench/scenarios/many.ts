// `many`: one tab seeding 100 small torrents with nobody downloading, Tabswarm against WebTorrent
// seeding the same files in one tab, in the same run. For each: live RTCPeerConnections a minute
// after the last torrent started seeding (counted in the page through WeakRefs, see
// e2e/pc-counter.ts), the tab's renderer memory and the browser's idle CPU; then a newcomer tab
// downloads three of the torrents one after another, each timed from paste to complete.
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { countPeerConnections, type PcCount } from '../../e2e/pc-counter'
import { dumpLogs, procStatusBytes, rendererPids, sharedBrowser, type Peer, type SharedBrowser } from '../lib/browser'
import { withTimeout, type Ctx } from '../lib/context'
import { probeBrowserCpu, probeOtherWork } from '../lib/cpu'
import { sleep } from '../lib/env'
import { startTabswarmTracker } from '../lib/tabswarm'
import { startWtTracker } from '../lib/wt-tracker'
import { writeManySection } from '../lib/many-report'

export const MANY = Math.max(1, Number(process.env.BENCH_MANY ?? 100) || 100)
/** How long the tab seeds alone before its connections are counted (the minute). */
const SETTLE_MS = Math.max(1, Number(process.env.BENCH_MANY_SETTLE_S ?? 60)) * 1000
const IDLE_CPU_MS = 20_000
const NEWCOMER_TIMEOUT_MS = 60_000
const COUNTER = `(${countPeerConnections.toString()})()`

export interface ManyFigures {
  seedAllMs: number
  /** Live connections sampled every second during the minute after seeding: at its end, and the peak. */
  liveAtMinute: number
  livePeak: number
  created: number
  rendererMB: number
  idleCpuCores: number
  /** Newcomer download times in ms; null when it did not finish within NEWCOMER_TIMEOUT_MS. */
  newcomer: Array<number | null>
  errors: string[]
}

async function writeFiles(ctx: Ctx): Promise<string[]> {
  const dir = path.join(ctx.tmp.dir, 'many')
  await mkdir(dir, { recursive: true })
  const files: string[] = []
  for (let i = 0; i < MANY; i++) {
    const f = path.join(dir, `small-${String(i).padStart(3, '0')}.bin`)
    await writeFile(f, randomBytes(20_000 + i * 97))
    files.push(f)
  }
  return files
}

const count = (page: Page) => page.evaluate(() => (window as unknown as { __pcCount: () => PcCount }).__pcCount())

/** Counts for SETTLE_MS after seeding, then idle CPU and renderer memory of the seeder alone. */
async function settle(browser: SharedBrowser, seeder: Page, fig: ManyFigures): Promise<void> {
  const end = Date.now() + SETTLE_MS
  let last: PcCount = { live: 0, created: 0 }
  while (Date.now() < end) {
    last = await count(seeder)
    fig.livePeak = Math.max(fig.livePeak, last.live)
    await sleep(1000)
  }
  last = await count(seeder)
  fig.liveAtMinute = last.live
  fig.livePeak = Math.max(fig.livePeak, last.live)
  fig.created = last.created
  const cpu = probeBrowserCpu(browser.pid)
  await sleep(IDLE_CPU_MS)
  const c = cpu.stop()
  fig.idleCpuCores = c.totalS / c.wallS
  fig.rendererMB = Math.max(0, ...rendererPids(browser.pid).map((p) => procStatusBytes(p, 'VmRSS'))) / 1e6
}

function blank(): ManyFigures {
  return { seedAllMs: 0, liveAtMinute: 0, livePeak: 0, created: 0, rendererMB: 0, idleCpuCores: 0, newcomer: [], errors: [] }
}

async function inBrowser(ctx: Ctx, label: string, fn: (b: SharedBrowser, peers: Peer[]) => Promise<void>): Promise<void> {
  const browser = await sharedBrowser(await ctx.tmp.profile(label))
  await browser.context.addInitScript(COUNTER)
  const peers: Peer[] = []
  try {
    await fn(browser, peers)
  } catch (err) {
    console.error(`  ${label} failed; last console lines:\n${dumpLogs(peers)}`)
    throw err
  } finally {
    await browser.close()
  }
}

async function tabswarmMany(ctx: Ctx, files: string[]): Promise<ManyFigures> {
  if (!ctx.appDir) throw new Error(`the app did not build: ${ctx.appError}`)
  const fig = blank()
  const { tracker, url } = await startTabswarmTracker(ctx.appDir)
  try {
    await inBrowser(ctx, 'many-ts', async (browser, peers) => {
      const seeder = await browser.peer('many-ts-seeder', url)
      peers.push(seeder)
      const page = seeder.page
      await page.locator('[data-testid=file-input]:enabled').waitFor({ state: 'attached', timeout: 30_000 })
      const t0 = Date.now()
      for (const f of files) await page.locator('[data-testid=file-input]').setInputFiles(f)
      await page.waitForFunction(
        (n) => [...document.querySelectorAll('[data-testid=torrent]')].filter((el) => el.getAttribute('data-state') === 'seeding').length === n,
        files.length,
        { timeout: 600_000, polling: 250 },
      )
      fig.seedAllMs = Date.now() - t0
      console.log(`  Tabswarm: ${files.length} torrents seeding after ${(fig.seedAllMs / 1000).toFixed(1)} s`)
      await settle(browser, page, fig)
      const magnets = await page.locator('[data-testid=torrent]').evaluateAll((els) =>
        els.map((el) => ({ ih: el.getAttribute('data-infohash') ?? '', magnet: (el.querySelector('[data-testid=share-link]') as HTMLInputElement | null)?.value ?? '' })),
      )
      const newcomer = await browser.peer('many-ts-newcomer', url)
      peers.push(newcomer)
      await newcomer.page.locator('[data-testid=link-submit]:enabled').waitFor({ state: 'attached', timeout: 30_000 })
      for (const m of [magnets[3]!, magnets[Math.floor(magnets.length / 2)]!, magnets[magnets.length - 3]!]) {
        const start = Date.now()
        await newcomer.page.locator('[data-testid=link-input]').fill(m.magnet)
        await newcomer.page.locator('[data-testid=link-submit]').click()
        try {
          await newcomer.page.waitForFunction(
            (ih) => document.querySelector(`[data-testid=torrent][data-infohash="${ih}"]`)?.getAttribute('data-state') === 'seeding',
            m.ih,
            { timeout: NEWCOMER_TIMEOUT_MS, polling: 100 },
          )
          fig.newcomer.push(Date.now() - start)
        } catch {
          fig.newcomer.push(null)
        }
      }
    })
  } finally {
    await tracker.close()
  }
  return fig
}

async function webtorrentMany(ctx: Ctx, files: string[]): Promise<ManyFigures> {
  const fig = blank()
  const tracker = await startWtTracker()
  try {
    await inBrowser(ctx, 'many-wt', async (browser, peers) => {
      const seeder = await browser.peer('many-wt-seeder', `${ctx.staticUrl}webtorrent.html`)
      peers.push(seeder)
      const page = seeder.page
      await page.waitForFunction(() => typeof (window as any).wtSeedAll === 'function')
      page.on('console', (m) => {
        if (m.type() === 'error' && fig.errors.length < 5 && !fig.errors.includes(m.text())) fig.errors.push(m.text().slice(0, 200))
      })
      await page.locator('#file').setInputFiles(files)
      const out = await withTimeout(
        page.evaluate((u) => (window as any).wtSeedAll(u), tracker.wsUrl) as Promise<{ ms: number; list: Array<{ magnet: string }> }>,
        600_000,
        'WebTorrent seeding',
      )
      fig.seedAllMs = out.ms
      console.log(`  WebTorrent: ${files.length} torrents seeding after ${(out.ms / 1000).toFixed(1)} s`)
      await settle(browser, page, fig)
      const newcomer = await browser.peer('many-wt-newcomer', `${ctx.staticUrl}webtorrent.html`)
      peers.push(newcomer)
      await newcomer.page.waitForFunction(() => typeof (window as any).wtAdd === 'function')
      const list = out.list
      for (const m of [list[3]!, list[Math.floor(list.length / 2)]!, list[list.length - 3]!]) {
        try {
          const r = await withTimeout(
            newcomer.page.evaluate(([mg, u]) => (window as any).wtAdd(mg, u), [m.magnet, tracker.wsUrl] as const) as Promise<{ ms: number }>,
            NEWCOMER_TIMEOUT_MS,
            'WebTorrent newcomer',
          )
          fig.newcomer.push(r.ms)
        } catch {
          fig.newcomer.push(null)
        }
      }
    })
  } finally {
    await tracker.close()
  }
  return fig
}

export async function many(ctx: Ctx): Promise<void> {
  const other = probeOtherWork()
  const t0 = Date.now()
  const files = await writeFiles(ctx)
  const ts = await tabswarmMany(ctx, files)
  console.log(`  Tabswarm: ${JSON.stringify(ts)}`)
  const wt = await webtorrentMany(ctx, files).catch((err: unknown) => {
    console.error(`  WebTorrent many failed: ${String(err)}`)
    return null
  })
  if (wt) console.log(`  WebTorrent: ${JSON.stringify(wt)}`)
  const file = await writeManySection({ count: MANY, settleS: SETTLE_MS / 1000, idleCpuS: IDLE_CPU_MS / 1000, ts, wt, otherCores: other.stop(), elapsedS: (Date.now() - t0) / 1000 })
  if (file) console.log(`  wrote the "Many torrents in one tab" section of ${file}`)
}
