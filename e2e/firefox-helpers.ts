// Firefox beside Playwright's Chromium in the e2e tests (DESIGN.md, "Testing safely": the
// Firefox paragraph). Playwright's own Firefox is a patched build that cannot be downloaded
// here and its BiDi channel fails on ESR 153, so Debian's firefox-esr is driven with
// puppeteer-core over WebDriver BiDi. The helpers speak the same data-testid contract as
// app-helpers.ts, on a puppeteer Page.
import { existsSync } from 'node:fs'
import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import puppeteer, { type Browser, type BrowserContext, type ElementHandle, type Page as FirefoxPage } from 'puppeteer-core'
import { CHROMIUM_ARGS, chromiumLaunchOptions } from './chromium'
import { sha256File, test as base, type Shared, type TorrentState } from './fixtures'

export type { FirefoxPage }

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr'

/**
 * Chromium's flags when Firefox is in the swarm: Firefox cannot resolve Chromium's mDNS host
 * candidates (`<uuid>.local`) in the loopback namespace, so Chromium must show 127.0.0.1.
 * A `--disable-features=` of ours replaces Playwright's own list (the last flag wins), so its
 * entries (playwright-core 1.65, server/chromium/chromiumSwitches.ts) are repeated here.
 */
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter', 'PaintHolding',
  'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect', 'TcpPortRandomizationWin',
  'OptimizationHints', 'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch',
  'msForceBrowserSignIn', 'msEdgeUpdateLaunchServicesPreferredVersion',
]
export const CHROMIUM_BESIDE_FIREFOX = {
  ...chromiumLaunchOptions(),
  args: [...CHROMIUM_ARGS, `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, 'WebRtcHideLocalIpsWithMdns'].join(',')}`],
}

/** Prefs that let Firefox connect on loopback without prompts, and save downloads to `dir`. */
function firefoxPrefs(downloadDir: string): Record<string, unknown> {
  return {
    'media.peerconnection.ice.loopback': true,
    'media.peerconnection.ice.obfuscate_host_addresses': false,
    'media.navigator.permission.disabled': true,
    // A click on `save` writes straight into downloadDir: no dialog, no downloads panel.
    'browser.download.folderList': 2,
    'browser.download.dir': downloadDir,
    'browser.download.useDownloadDir': true,
    'browser.download.always_ask_before_handling_new_types': false,
    'browser.helperApps.neverAsk.saveToDisk': 'application/octet-stream',
    'browser.download.alwaysOpenPanel': false,
    'browser.download.start_downloads_in_tmp_dir': false,
  }
}

export interface FirefoxPeer {
  name: string
  page: FirefoxPage
  /** Where this peer's saved files land (shared by the worker's Firefox: name files uniquely). */
  downloadDir: string
  close(): Promise<void>
}
export type FirefoxPeerFn = (name: string, opts?: { path?: string }) => Promise<FirefoxPeer>

interface WorkerFirefox {
  browser: Browser
  downloadDir: string
}

/**
 * The e2e fixtures plus `firefoxPeer`: a fresh Firefox browsing context (its own cookies and
 * IndexedDB, like a separate profile) with the app open. One Firefox process serves the whole
 * worker: starting Firefox took 7 s on a quiet machine here and 20-30 s on a busy one.
 */
export const test = base.extend<{ firefoxPeer: FirefoxPeerFn }, { firefox: WorkerFirefox }>({
  firefox: [
    async ({}, use, workerInfo) => {
      if (!existsSync(FIREFOX)) throw new Error(`${FIREFOX} is missing (apt-get install firefox-esr, or set FIREFOX_PATH)`)
      const downloadDir = path.join(workerInfo.project.outputDir, `firefox-downloads-${workerInfo.workerIndex}`)
      await rm(downloadDir, { recursive: true, force: true })
      await mkdir(downloadDir, { recursive: true })
      const browser = await puppeteer.launch({
        browser: 'firefox',
        executablePath: FIREFOX,
        headless: true,
        extraPrefsFirefox: firefoxPrefs(downloadDir),
        protocolTimeout: 120_000,
      })
      try {
        await use({ browser, downloadDir })
      } finally {
        await browser.close()
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],

  firefoxPeer: async ({ baseURL, firefox }, use, testInfo) => {
    const contexts: BrowserContext[] = []
    const logs: string[] = []
    await use(async (name, opts = {}) => {
      const context = await firefox.browser.createBrowserContext()
      contexts.push(context)
      const page = await context.newPage()
      page.on('console', (m) => logs.push(`[${name}] ${m.type()}: ${m.text()}`))
      page.on('pageerror', (e) => logs.push(`[${name}] pageerror: ${String(e)}`))
      await firefoxOpenApp(page, new URL(opts.path ?? '/', baseURL).href)
      return { name, page, downloadDir: firefox.downloadDir, close: () => context.close() }
    })
    if (logs.length && testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('firefox console', { body: logs.join('\n'), contentType: 'text/plain' })
    }
    await Promise.allSettled(contexts.map((c) => c.close()))
  },
})

/** Open the app and wait until the engine is ready (file-input enabled), as a user would. */
export async function firefoxOpenApp(page: FirefoxPage, url: string): Promise<void> {
  await page.goto(url)
  await firefoxReady(page)
}

/** Resolves once the app's engine is ready: file-input is enabled then. */
export async function firefoxReady(page: FirefoxPage): Promise<void> {
  await page.waitForFunction(
    () => {
      const input = document.querySelector('[data-testid="file-input"]')
      return input instanceof HTMLInputElement && !input.disabled
    },
    { timeout: 30_000, polling: 250 },
  )
}

/** Choose files in file-input, wait for the new torrent to seed; returns its info hash and magnet. */
export async function firefoxShare(page: FirefoxPage, paths: string[], timeout = 60_000): Promise<Shared> {
  const input = await page.$('[data-testid="file-input"]')
  if (!input) throw new Error('no file-input on the page')
  const known = await page.$$eval('[data-testid="torrent"]', (els) => els.map((el) => el.getAttribute('data-infohash') ?? ''))
  await (input as ElementHandle<HTMLInputElement>).uploadFile(...paths)
  const handle = await page.waitForFunction(
    (known: string[]) => {
      for (const el of document.querySelectorAll('[data-testid="torrent"][data-state="seeding"]')) {
        const infohash = el.getAttribute('data-infohash') ?? ''
        const link = el.querySelector('[data-testid="share-link"]')
        if (!link || known.includes(infohash)) continue
        const magnet = link instanceof HTMLInputElement || link instanceof HTMLTextAreaElement ? link.value : (link.textContent ?? '')
        return { infohash, magnet: magnet.trim() }
      }
      return false
    },
    { timeout, polling: 250 },
    known,
  )
  return (await handle.jsonValue()) as Shared
}

/** Paste a link into link-input and submit it. */
export async function firefoxOpenMagnet(page: FirefoxPage, magnet: string): Promise<void> {
  await page.locator('[data-testid="link-input"]').fill(magnet)
  await page.locator('[data-testid="link-submit"]').click()
}

/** Wait for a torrent's data-state; fails at once on `error`, with its message. */
export async function firefoxWaitForState(page: FirefoxPage, infohash: string, state: TorrentState, timeout = 60_000): Promise<void> {
  const handle = await page.waitForFunction(
    (ih: string, want: string) => {
      const el = document.querySelector(`[data-testid="torrent"][data-infohash="${ih}"]`)
      const s = el?.getAttribute('data-state')
      if (!el || !s || (s !== want && s !== 'error')) return false
      return { state: s, error: el.querySelector('[data-testid="torrent-error"]')?.textContent?.trim() ?? '' }
    },
    { timeout, polling: 250 },
    infohash,
    state,
  )
  const got = (await handle.jsonValue()) as { state: string; error: string }
  if (got.state !== state) throw new Error(`Firefox: torrent ${infohash} went to ${got.state} while waiting for ${state}: "${got.error}"`)
}

/** A numeric attribute of a torrent row (data-progress, data-uploaded, …). */
export async function firefoxAttr(page: FirefoxPage, infohash: string, name: string): Promise<number> {
  const v = await page.evaluate(
    (ih: string, n: string) => document.querySelector(`[data-testid="torrent"][data-infohash="${ih}"]`)?.getAttribute(n) ?? null,
    infohash,
    name,
  )
  const n = Number(v)
  if (v === null || !Number.isFinite(n)) throw new Error(`Firefox: torrent ${infohash} has no numeric ${name} (got ${v})`)
  return n
}

/**
 * Click the save button of `filePath` and wait until Firefox has written the download into
 * the peer's download dir (the prefs above save without asking); returns its SHA-256.
 */
export async function firefoxSaveAndHash(peer: FirefoxPeer, infohash: string, filePath: string, size: number, timeout = 60_000): Promise<string> {
  const name = path.basename(filePath)
  const target = path.join(peer.downloadDir, name)
  const before = new Set(await readdir(peer.downloadDir))
  if (before.has(name)) throw new Error(`${target} exists already`)
  await peer.page.locator(`[data-testid="torrent"][data-infohash="${infohash}"] [data-testid="save"][data-file=${JSON.stringify(filePath)}]`).click()
  const deadline = Date.now() + timeout
  for (;;) {
    const files = await readdir(peer.downloadDir)
    // Firefox writes into `<name>.part` next to it while the download runs.
    const done = files.includes(name) && !files.some((f) => f.endsWith('.part')) && (await stat(target)).size === size
    if (done) return sha256File(target)
    if (Date.now() > deadline) throw new Error(`Firefox did not save ${name} (${size} bytes) into ${peer.downloadDir} within ${timeout} ms; there: ${files.join(', ') || 'nothing'}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}
