// The page as a user sees it: pictures of a download, a phone-width layout in light and dark,
// the install manifest, links opened from the magnet handler and the share target, storage.
import { createHash } from 'node:crypto'
import {
  byTestId,
  expect,
  makeRandomFile,
  openMagnet,
  shareFiles,
  test,
  torrentOf,
  waitForState,
} from './fixtures'
import { setUploadLimit } from './swarm-helpers'
import { horizontalOverflow, keepScreenshot, luminance, openSettings, pngSize, setLimit, smallTargets, unreachableMagnet } from './ui-helpers'

test('the piece map and the speed graph are drawn and change as a download runs', async ({ peer, tmpDir }) => {
  const file = await makeRandomFile(tmpDir, 'pictures.bin', 4 * 1024 * 1024)
  const seeder = await peer('seeder')
  await setUploadLimit(seeder.page, 192)
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])
  const leecher = await peer('leecher')
  await setLimit(leecher.page, 'download-limit', 192) // both ends slowed: about 20 s of download
  await openMagnet(leecher.page, magnet)
  const row = torrentOf(leecher.page, infohash)
  const map = row.locator(byTestId('piece-map'))
  const graph = row.locator(byTestId('speed-graph'))
  await expect(map).toBeVisible({ timeout: 30_000 })

  // Element screenshots while it downloads: each new picture is a different image.
  const maps = new Set<string>()
  const graphs = new Set<string>()
  const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')
  for (;;) {
    const m = md5(await map.screenshot())
    const g = md5(await graph.screenshot())
    // A screenshot takes a while: count it only if the download was still running after it.
    if ((await row.getAttribute('data-state')) !== 'downloading') break
    maps.add(m)
    graphs.add(g)
    await leecher.page.waitForTimeout(500)
  }
  // (A screenshot takes seconds on a busy machine, so two pictures is what a slow run can promise.)
  expect(maps.size, 'distinct piece maps seen while downloading').toBeGreaterThanOrEqual(2)
  expect(graphs.size, 'distinct speed graphs seen while downloading').toBeGreaterThanOrEqual(2)
  // The graph's text alternative tells the speed seen, not just a picture of it.
  await expect(graph).toHaveAttribute('aria-label', /peak [1-9][\d.]* (KiB|MiB)\/s/)

  await waitForState(leecher.page, infohash, 'seeding', 90_000)
  // Screen readers hear it through the polite live region.
  await expect(leecher.page.locator(byTestId('announcer'))).toContainText('pictures.bin finished downloading')
  await expect(map).toHaveAttribute('aria-label', /(\d+) of \1 pieces held, 0 in flight/)
  // Complete, it is the seeder's picture: the same map, unlike any seen half way.
  const done = await map.screenshot()
  expect(maps.has(md5(done))).toBe(false)
  expect(md5(await torrentOf(seeder.page, infohash).locator(byTestId('piece-map')).screenshot())).toBe(md5(done))
})

test('at 360 px nothing scrolls sideways, light and dark, with long names and links', async ({ peer, tmpDir }, testInfo) => {
  const long = (tag: string) => `${tag}-a-very-long-file-name-without-any-place-to-break-it-${'x'.repeat(90)}.bin`
  const files = [await makeRandomFile(tmpDir, long('first'), 40_000), await makeRandomFile(tmpDir, long('second'), 30_000)]
  const { page } = await peer('phone')
  await page.setViewportSize({ width: 360, height: 740 })
  await page.reload() // as opened on a phone
  await expect(page.locator(byTestId('file-input'))).toBeEnabled()
  await shareFiles(page, files.map((f) => f.path))
  const broken = await unreachableMagnet(`${'unreachable-'.repeat(12)}.iso`)
  await openMagnet(page, broken.magnet)
  await expect(torrentOf(page, broken.infohash).locator(byTestId('torrent-error'))).toBeVisible()
  // On a phone the settings start folded away, the name and limits one tap from the header.
  await expect(page.locator(byTestId('upload-limit'))).toBeHidden()
  await openSettings(page) // and open, they must fit too
  await expect(page.locator(byTestId('upload-limit'))).toBeVisible()

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    for (const width of [360, 1280]) {
      await page.setViewportSize({ width, height: width === 360 ? 740 : 900 })
      const { overflow, culprits } = await horizontalOverflow(page)
      expect(overflow, `sideways scroll at ${width} px (${scheme}): ${culprits.join('; ')}`).toBeLessThanOrEqual(0)
      await keepScreenshot(page, testInfo, `page-${width}-${scheme}`)
    }
    await page.setViewportSize({ width: 360, height: 740 })
    expect(await smallTargets(page, 43), 'touch targets of 44 px').toEqual([])
    // The theme follows prefers-color-scheme: dark page, light text, and the reverse.
    const bg = await luminance(page, 'html', 'backgroundColor')
    const card = await luminance(page, byTestId('torrent'), 'backgroundColor')
    const text = await luminance(page, byTestId('torrent'), 'color')
    if (scheme === 'dark') {
      expect(bg).toBeLessThan(0.05)
      expect(card).toBeLessThan(0.05)
      expect(text).toBeGreaterThan(0.6)
    } else {
      expect(bg).toBeGreaterThan(0.8)
      expect(text).toBeLessThan(0.05)
    }
  }
})

test('the manifest is served and parses, with PNG icons of 192 and 512 px', async ({ peer, request }) => {
  const res = await request.get('/manifest.webmanifest')
  expect(res.status()).toBe(200)
  expect(res.headers()['content-type']).toMatch(/^application\/manifest\+json/)
  const manifest = (await res.json()) as Record<string, unknown>
  expect(manifest).toMatchObject({ name: 'Tabswarm', start_url: '/', display: 'standalone' })
  expect(manifest.share_target).toMatchObject({ method: 'GET', params: { url: 'url', text: 'text' } })
  const icons = manifest.icons as { src: string; sizes: string; type: string }[]
  for (const size of [192, 512]) {
    const icon = icons.find((i) => i.sizes === `${size}x${size}`)
    expect(icon, `an icon of ${size}x${size}`).toBeTruthy()
    const png = await request.get(icon!.src)
    expect(png.status()).toBe(200)
    expect(png.headers()['content-type']).toBe('image/png')
    expect(pngSize(await png.body())).toEqual({ width: size, height: size })
  }
  // Chromium itself finds and parses it from the page.
  const { page } = await peer('installer')
  const cdp = await page.context().newCDPSession(page)
  const got = (await cdp.send('Page.getAppManifest')) as { url: string; errors: { message: string }[]; data?: string }
  expect(got.url).toMatch(/\/manifest\.webmanifest$/)
  expect(got.errors.map((e) => e.message)).toEqual([])
  // Installable needs a service worker: the app registers /sw.js with scope / and it takes control.
  const sw = await page.waitForFunction(async () => {
    const reg = await navigator.serviceWorker.getRegistration('/')
    const active = reg?.active
    return active && navigator.serviceWorker.controller ? { script: active.scriptURL, scope: reg.scope } : false
  }, undefined, { timeout: 20_000 })
  const { script, scope } = (await sw.jsonValue()) as { script: string; scope: string }
  expect(new URL(script).pathname).toBe('/sw.js')
  expect(new URL(scope).pathname).toBe('/')
})

test('links from the magnet handler and the share target open downloads', async ({ peer, baseURL }) => {
  const a = await unreachableMagnet('from-handler.bin')
  const handler = await peer('handler', { path: `/?magnet=${encodeURIComponent(a.magnet)}` })
  await expect(torrentOf(handler.page, a.infohash)).toHaveCount(1)
  await expect(torrentOf(handler.page, a.infohash)).toHaveAttribute('data-name', 'from-handler.bin')
  expect(new URL(handler.page.url()).search, 'the query is dropped once opened').toBe('')

  // The button hands the browser our handler URL (the browser then asks the user).
  const calls = await handler.page.evaluate(() => {
    const seen: string[][] = []
    navigator.registerProtocolHandler = (scheme: string, url: string | URL) => void seen.push([scheme, String(url)])
    ;(window as unknown as { seen: string[][] }).seen = seen
    return seen.length
  })
  expect(calls).toBe(0)
  await handler.page.locator(byTestId('magnet-handler')).click()
  const seen = await handler.page.evaluate(() => (window as unknown as { seen: string[][] }).seen)
  expect(seen).toEqual([['magnet', new URL('/?magnet=%s', baseURL).href]])

  // A phone shares text holding an app link into the installed app: /?title=…&text=…
  const b = await unreachableMagnet('shared-in.bin')
  const text = `Have a look: ${new URL('/', baseURL).href}#${b.magnet} (from a friend)`
  const shared = await peer('share-target', { path: `/?title=Tabswarm&text=${encodeURIComponent(text)}` })
  await expect(torrentOf(shared.page, b.infohash)).toHaveCount(1)
  await expect(torrentOf(shared.page, b.infohash)).toHaveAttribute('data-name', 'shared-in.bin')
})

test('storage usage appears, says whether data may be evicted, and drops after Remove', async ({ persistentPeer, tmpDir }) => {
  // 24 MiB: 128 KiB pieces, which Chromium keeps as blob files beside IndexedDB's log; those are
  // deleted with their records, while small values leave tombstones until a later compaction.
  const file = await makeRandomFile(tmpDir, 'stored.bin', 24 * 1024 * 1024)
  const { page } = await persistentPeer('storer', testInfoDir(tmpDir))
  const usage = page.locator(byTestId('storage-usage'))
  await expect(usage).toHaveAttribute('data-usage', /^\d+$/)
  const read = async () => Number(await usage.getAttribute('data-usage'))
  const before = await read()
  await page.evaluate(() => {
    const w = window as unknown as { persistCalls: number }
    const original = navigator.storage.persist.bind(navigator.storage)
    w.persistCalls = 0
    navigator.storage.persist = () => {
      w.persistCalls++
      return original()
    }
  })

  const { infohash } = await shareFiles(page, [file.path])
  expect(await page.evaluate(() => (window as unknown as { persistCalls: number }).persistCalls), 'persist() asked on the first share').toBe(1)
  // The first share asked for persistent storage; the page says what the browser answered.
  await expect(usage).toHaveAttribute('data-persisted', /^(true|false)$/)
  await expect(usage).toContainText(/evict/)
  await expect.poll(read, { timeout: 30_000, message: 'the figure grows by the stored pieces' }).toBeGreaterThan(before + 20 * 1024 * 1024)
  const full = await read()
  await expect(usage).toContainText(/Stored \d/)
  await expect(usage).toContainText(/available/)

  await torrentOf(page, infohash).locator(byTestId('remove')).click()
  await expect(torrentOf(page, infohash)).toHaveCount(0)
  await expect.poll(read, { timeout: 45_000, message: 'the figure drops after Remove' }).toBeLessThan(full - 16 * 1024 * 1024)
})

test('the keyboard reaches the drop zone, and Enter on it opens the file chooser', async ({ peer }) => {
  const { page } = await peer('keyboard')
  const input = page.locator(byTestId('file-input'))
  let reached = false
  for (let i = 0; i < 15 && !reached; i++) {
    await page.keyboard.press('Tab')
    reached = await input.evaluate((el) => el === document.activeElement)
  }
  expect(reached, 'Tab reaches the file chooser').toBe(true)
  // The whole drop zone shows the focus ring, since the input itself is visually hidden.
  expect(await page.locator(byTestId('drop-zone')).evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid')
  const chooser = page.waitForEvent('filechooser', { timeout: 10_000 })
  await page.keyboard.press('Enter')
  expect((await chooser).isMultiple()).toBe(true)
})

function testInfoDir(tmpDir: string): string {
  return `${tmpDir}/profile`
}
