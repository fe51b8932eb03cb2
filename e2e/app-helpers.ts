// What the end-to-end tests do in a page, as a user would, through the contract of DESIGN.md
// (data-testid hooks, the magnet format): make and hash test files, share, open a magnet, wait
// for a torrent's state, save and hash what the page saves. Re-exported by fixtures.ts.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import path from 'node:path'
import { expect, type Locator, type Page } from '@playwright/test'

export interface TestFile {
  path: string
  name: string
  size: number
  sha256: string
}

/** Write `size` random bytes to dir/name; returns its path and SHA-256 (hex). */
export async function makeRandomFile(dir: string, name: string, size: number): Promise<TestFile> {
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, name)
  const hash = createHash('sha256')
  const fh = await open(file, 'w')
  try {
    for (let left = size; left > 0; ) {
      const chunk = randomBytes(Math.min(left, 1 << 20))
      hash.update(chunk)
      await fh.write(chunk)
      left -= chunk.length
    }
  } finally {
    await fh.close()
  }
  return { path: file, name, size, sha256: hash.digest('hex') }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

// ---------------------------------------------------------------- page hooks

export const byTestId = (id: string) => `[data-testid="${id}"]`

/** The page-wide error message. */
export function appError(page: Page): Locator {
  return page.locator(byTestId('app-error'))
}

/** All torrent rows of the page. */
export function torrents(page: Page): Locator {
  return page.locator(byTestId('torrent'))
}

/** The torrent row of `infohash`. */
export function torrentOf(page: Page, infohash: string): Locator {
  return page.locator(`${byTestId('torrent')}[data-infohash="${infohash}"]`)
}

/** The magnet URI shown in a torrent's share-link (its value if it is a form field, else its text). */
export async function readShareLink(torrent: Locator): Promise<string> {
  const link = torrent.locator(byTestId('share-link'))
  return (
    await link.evaluate((el) =>
      el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement ? el.value : (el.textContent ?? ''),
    )
  ).trim()
}

export interface Shared {
  infohash: string
  magnet: string
}

/**
 * Choose `paths` in [data-testid=file-input] (all at once: one torrent), wait
 * for the new torrent to be seeding, return its info hash and magnet link.
 */
export async function shareFiles(page: Page, paths: string[], timeout = 60_000): Promise<Shared> {
  const before = await torrents(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-infohash')))
  await page.locator(byTestId('file-input')).setInputFiles(paths)
  let handle
  try {
    handle = await page.waitForFunction(
      (known) => {
        for (const el of document.querySelectorAll('[data-testid="torrent"]')) {
          const ih = el.getAttribute('data-infohash')
          if (ih && !known.includes(ih) && el.getAttribute('data-state') === 'seeding') return ih
        }
        return false
      },
      before,
      { timeout, polling: 250 },
    )
  } catch (err) {
    throw new Error(
      `no new torrent reached data-state=seeding within ${timeout} ms after choosing ${paths.length} file(s). ` +
        `${await describePage(page)}\n${String(err)}`,
    )
  }
  const infohash = (await handle.jsonValue()) as string
  const magnet = await readShareLink(torrentOf(page, infohash))
  return { infohash, magnet }
}

/** Paste a link into link-input and submit it. */
export async function openMagnet(page: Page, magnet: string): Promise<void> {
  await page.locator(byTestId('link-input')).fill(magnet)
  await page.locator(byTestId('link-submit')).click()
}

export type TorrentState = 'hashing' | 'metadata' | 'downloading' | 'seeding' | 'paused' | 'error'

/**
 * Wait until the torrent `infohash` has data-state `state`. Fails at once if it
 * goes to `error` instead (with its torrent-error text), and on time-out says
 * where it stood.
 */
export async function waitForState(page: Page, infohash: string, state: TorrentState, timeout = 60_000): Promise<void> {
  let result: { state: string; error: string } | undefined
  try {
    const handle = await page.waitForFunction(
      ([ih, want]) => {
        const el = document.querySelector(`[data-testid="torrent"][data-infohash="${ih}"]`)
        const s = el?.getAttribute('data-state')
        if (!el || !s) return false
        if (s === want || s === 'error') {
          return { state: s, error: el.querySelector('[data-testid="torrent-error"]')?.textContent?.trim() ?? '' }
        }
        return false
      },
      [infohash, state] as const,
      { timeout, polling: 250 },
    )
    result = (await handle.jsonValue()) as { state: string; error: string }
  } catch (err) {
    throw new Error(
      `torrent ${infohash} did not reach data-state=${state} within ${timeout} ms. ${await describePage(page)}\n${String(err)}`,
    )
  }
  if (result.state !== state) {
    throw new Error(`torrent ${infohash} went to data-state=${result.state} while waiting for ${state}: "${result.error}"`)
  }
}

/** A torrent row's data-progress reads 1 (everything verified); retries like any expect. */
export async function expectComplete(row: Locator, timeout?: number): Promise<void> {
  await expect(row).toHaveAttribute('data-progress', /^1(\.0*)?$/, timeout ? { timeout } : {})
}

/** The data-file paths of a torrent's save buttons. */
export async function savePaths(page: Page, infohash: string): Promise<string[]> {
  return torrentOf(page, infohash)
    .locator(byTestId('save'))
    .evaluateAll((els) => els.map((el) => el.getAttribute('data-file') ?? ''))
}

/**
 * Click the save button of `filePath` in torrent `infohash`, wait for the
 * browser download, return the SHA-256 (hex) of the saved bytes.
 */
export async function saveAndHash(page: Page, infohash: string, filePath: string, timeout = 60_000): Promise<string> {
  const button = torrentOf(page, infohash).locator(`${byTestId('save')}[data-file=${JSON.stringify(filePath)}]`)
  const [download] = await Promise.all([page.waitForEvent('download', { timeout }), button.click()])
  const saved = await download.path()
  const failure = await download.failure()
  if (failure) throw new Error(`saving ${filePath} failed: ${failure}`)
  return sha256File(saved)
}

/** One line per torrent on the page, for failure messages. */
export async function describePage(page: Page): Promise<string> {
  try {
    return await page.evaluate(() => {
      const rows = [...document.querySelectorAll('[data-testid="torrent"]')].map((el) => {
        const a = (n: string) => el.getAttribute(n)
        const err = el.querySelector('[data-testid="torrent-error"]')?.textContent?.trim()
        return `  torrent ${a('data-infohash')} name=${JSON.stringify(a('data-name'))} state=${a('data-state')} progress=${a('data-progress')} peers=${a('data-peers')}${err ? ` error=${JSON.stringify(err)}` : ''}`
      })
      const appErr = document.querySelector('[data-testid="app-error"]')?.textContent?.trim()
      return [`page ${location.href}: ${rows.length} torrent(s)`, ...rows, ...(appErr ? [`  app-error: ${JSON.stringify(appErr)}`] : [])].join('\n')
    })
  } catch (err) {
    return `(page not readable: ${String(err)})`
  }
}

// ---------------------------------------------------------------- links

export interface Magnet {
  infohash: string
  dn: string | null
  xl: number | null
  tr: string[]
}

/** Parse a BEP 9 magnet link (xt=urn:btih:<40 hex>); throws if it is not one. */
export function parseMagnet(magnet: string): Magnet {
  if (!magnet.startsWith('magnet:?')) throw new Error(`not a magnet link: ${magnet}`)
  const params = new URLSearchParams(magnet.slice('magnet:?'.length))
  const xt = params.get('xt') ?? ''
  const m = /^urn:btih:([0-9a-fA-F]{40})$/.exec(xt)
  if (!m?.[1]) throw new Error(`magnet has no urn:btih:<40 hex> xt: ${magnet}`)
  const xl = params.get('xl')
  return { infohash: m[1].toLowerCase(), dn: params.get('dn'), xl: xl === null ? null : Number(xl), tr: params.getAll('tr') }
}

/**
 * A loopback TCP port with nothing listening on it (bound, then released): a
 * tracker URL on it is refused at once, like a tracker that is down. (Low
 * ports such as 1 are "unsafe ports" Chromium refuses to dial at all.)
 */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export function randomInfohash(): string {
  return randomBytes(20).toString('hex')
}
