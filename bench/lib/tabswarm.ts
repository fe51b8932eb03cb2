// Tabswarm peers for the benchmarks, through the page contract of DESIGN.md only.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Page } from 'playwright-core'
import { ROOT } from './env'
import { PROFILING } from './profile'
import { installWatch, readWatch, waitAllDone, type WatchState } from './watch'

export interface TrackerHandle {
  ready: Promise<void>
  address(): { host: string; port: number; url: string }
  close(): Promise<void>
}

/** Builds the client with the project's vite config into `outDir` (not dist/client, which others rebuild). */
export async function buildApp(outDir: string): Promise<void> {
  const vite = path.join(ROOT, 'node_modules', '.bin', 'vite')
  const args = ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn']
  // A profiled run wants readable function names.
  if (PROFILING) args.push('--minify', 'false')
  await run(vite, args, 'vite build (app)')
}

export function run(cmd: string, args: string[], label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${label} failed (exit ${code}):\n${out.slice(-4000)}`))))
  })
}

export async function startTabswarmTracker(staticDir: string): Promise<{ tracker: TrackerHandle; url: string }> {
  const mod = (await import(pathToFileURL(path.join(ROOT, 'signal-tracker', 'server.ts')).href)) as {
    createTracker: (opts: Record<string, unknown>) => TrackerHandle
  }
  const tracker = mod.createTracker({ host: '127.0.0.1', port: 0, staticDir })
  await tracker.ready
  return { tracker, url: `${tracker.address().url}/` }
}

async function waitAppReady(page: Page, testId: string): Promise<void> {
  await page.locator(`[data-testid=${testId}]:enabled`).waitFor({ state: 'attached', timeout: 30_000 })
}

export interface SeedResult {
  ms: number
  magnet: string
  infoHash: string
  timeline: WatchState['timeline']
}

/** Chooses `file` in the page's file input; resolves when its torrent is seeding. */
export async function tabswarmSeed(page: Page, file: string, timeoutMs: number): Promise<SeedResult> {
  await waitAppReady(page, 'file-input')
  await installWatch(page, { startEvent: 'change', startTestId: 'file-input', doneOn: 'seeding' })
  await page.locator('[data-testid=file-input]').setInputFiles(file)
  const [st] = await waitAllDone([{ name: 'seeder', page }], { timeoutMs, stallMs: timeoutMs, label: 'seeding' })
  const torrent = page.locator(`[data-testid=torrent][data-infohash="${st!.infoHash}"]`)
  const magnet = await torrent.locator('[data-testid=share-link]').inputValue()
  if (!magnet.startsWith('magnet:')) throw new Error(`share-link has no magnet: ${JSON.stringify(magnet)}`)
  return { ms: st!.ms!, magnet, infoHash: st!.infoHash, timeline: st!.timeline }
}

export function infoHashOf(magnet: string): string {
  const m = /xt=urn:btih:([0-9a-fA-F]{40})/.exec(magnet)
  if (!m) throw new Error(`no btih in ${magnet}`)
  return m[1]!.toLowerCase()
}

/** Pastes the magnet and arms the stopwatch; the click is left to startLeech (so several start together). */
export async function prepareLeech(page: Page, magnet: string): Promise<void> {
  await waitAppReady(page, 'link-submit')
  await installWatch(page, { startEvent: 'click', startTestId: 'link-submit', infoHash: infoHashOf(magnet), doneOn: 'complete' })
  await page.locator('[data-testid=link-input]').fill(magnet)
}

export async function startLeech(page: Page): Promise<void> {
  await page.locator('[data-testid=link-submit]').click()
  const st = await readWatch(page)
  if (!st.started) throw new Error('the click on link-submit did not reach the page')
}
