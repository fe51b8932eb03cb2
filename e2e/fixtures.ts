// Fixtures and helpers for Tabswarm's browser end-to-end tests.
//
// They speak only the contract of DESIGN.md ("Contract that tests and scripts
// rely on"): page hooks by data-testid, the magnet format, the tracker's HTTP
// API. Plus two error hooks: [data-testid=app-error] (page-wide message) and
// [data-testid=torrent-error] (inside a torrent).
//
// Fixtures:
//   tracker         worker-scoped: createTracker({host: '127.0.0.1', port: 0,
//                   staticDir: 'dist/client'}) in-process — app and tracker on one port
//   baseURL         http://127.0.0.1:<port>/ of that tracker (page.goto('/x') works)
//   peer(name, {path})           a fresh browser context (in-memory storage) with
//                                a page opened at baseURL (+ path)
//   persistentPeer(name, dir, {path})  the same on chromium.launchPersistentContext(dir):
//                                IndexedDB survives peer.close() and a new persistentPeer(…, dir)
//   tmpDir          an empty folder for this test's files
// Page helpers (share, open a magnet, wait for a state, save and hash) live in app-helpers.ts
// and are re-exported here.
// Every context a test opens is closed after it; on failure each peer's console
// output is attached to the report.
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  test as base,
  chromium,
  expect,
  type BrowserContext,
  type Locator,
  type Page,
} from '@playwright/test'
import { createTracker, type Tracker, type TrackerOptions } from '../signal-tracker/server'
import { chromiumLaunchOptions } from './chromium'

export { expect }
export type { BrowserContext, Locator, Page }
export * from './app-helpers'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))

// ---------------------------------------------------------------- tracker

export interface StartedTracker {
  handle: Tracker
  /** http://127.0.0.1:<port>/ */
  baseURL: string
  port: number
}

/** Start a tracker serving the built app; resolves once it listens. */
export async function startTracker(opts: TrackerOptions = {}): Promise<StartedTracker> {
  const handle = createTracker({ host: '127.0.0.1', port: 0, staticDir: path.join(ROOT, 'dist', 'client'), ...opts })
  await handle.ready
  const { port } = handle.address()
  return { handle, port, baseURL: `http://127.0.0.1:${port}/` }
}

// ---------------------------------------------------------------- peers

export interface Peer {
  name: string
  context: BrowserContext
  page: Page
  /** Close the context (for a persistent peer: the whole browser, flushing its profile). */
  close(): Promise<void>
}
export interface PeerOptions {
  /** Path (and hash) to open, relative to baseURL; default '/'. */
  path?: string
}
export type PeerFn = (name: string, opts?: PeerOptions) => Promise<Peer>
export type PersistentPeerFn = (name: string, userDataDir: string, opts?: PeerOptions) => Promise<Peer>

interface Fixtures {
  peer: PeerFn
  persistentPeer: PersistentPeerFn
  tmpDir: string
}
interface WorkerFixtures {
  tracker: StartedTracker
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  tracker: [
    async ({}, use) => {
      const t = await startTracker()
      try {
        await use(t)
      } finally {
        await t.handle.close()
      }
    },
    { scope: 'worker', timeout: 30_000 },
  ],

  baseURL: async ({ tracker }, use) => {
    await use(tracker.baseURL)
  },

  tmpDir: async ({}, use, testInfo) => {
    const dir = testInfo.outputPath('files')
    await mkdir(dir, { recursive: true })
    await use(dir)
  },

  peer: async ({ browser, baseURL }, use, testInfo) => {
    const logs: string[] = []
    const peers: Peer[] = []
    await use(async (name, opts = {}) => {
      const context = await browser.newContext({ acceptDownloads: true })
      await context.grantPermissions(['microphone'])
      const page = await context.newPage()
      const peer: Peer = { name, context, page, close: () => context.close() }
      peers.push(peer)
      recordConsole(name, page, logs)
      await openApp(page, new URL(opts.path ?? '/', baseURL).href)
      return peer
    })
    await attachLogs(testInfo, 'peer console', logs)
    await Promise.allSettled(peers.map((p) => p.context.close()))
  },

  persistentPeer: async ({ baseURL }, use, testInfo) => {
    const logs: string[] = []
    const contexts: BrowserContext[] = []
    await use(async (name, userDataDir, opts = {}) => {
      const context = await chromium.launchPersistentContext(userDataDir, {
        ...chromiumLaunchOptions(),
        acceptDownloads: true,
        permissions: ['microphone'],
      })
      contexts.push(context)
      const page = context.pages()[0] ?? (await context.newPage())
      recordConsole(name, page, logs)
      await openApp(page, new URL(opts.path ?? '/', baseURL).href)
      return { name, context, page, close: () => context.close() }
    })
    await attachLogs(testInfo, 'persistent peer console', logs)
    await Promise.allSettled(contexts.map((c) => c.close()))
  },
})

/**
 * Open the app and wait, as a user would, until it is ready: the file chooser is enabled once
 * the engine has started. (Actions taken earlier are queued by the page, but a test that sets a
 * limit and at once measures speed must not depend on that.)
 */
async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url)
  if (new URL(url).pathname !== '/') return // not the app (the dashboard)
  await expect(page.locator('[data-testid="file-input"]')).toBeEnabled({ timeout: 30_000 })
}

function recordConsole(name: string, page: Page, logs: string[]): void {
  const echo = !!process.env.E2E_DEBUG
  const add = (line: string) => {
    const entry = `${new Date().toISOString().slice(11, 23)} [${name}] ${line}`
    logs.push(entry)
    if (echo) console.log(entry)
  }
  page.on('console', (m) => add(`${m.type()}: ${m.text()}`))
  page.on('pageerror', (e) => add(`pageerror: ${e.stack ?? e.message}`))
  page.on('crash', () => add('page crashed'))
}

async function attachLogs(testInfo: import('@playwright/test').TestInfo, title: string, logs: string[]): Promise<void> {
  if (logs.length && testInfo.status !== testInfo.expectedStatus) {
    await testInfo.attach(title, { body: logs.join('\n'), contentType: 'text/plain' })
  }
}

// ---------------------------------------------------------------- files
