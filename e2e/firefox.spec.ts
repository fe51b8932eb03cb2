// Firefox (Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi) trading with
// Playwright's Chromium tabs: both directions, in a swarm, and resuming after a reload.
import { choosePieceLength } from '../shared/pieces'
import { expect, makeRandomFile, openMagnet, saveAndHash, shareFiles, waitForState, type Page } from './fixtures'
import {
  CHROMIUM_BESIDE_FIREFOX, firefoxAttr, firefoxOpenMagnet, firefoxReady, firefoxSaveAndHash, firefoxShare,
  firefoxWaitForState, test,
} from './firefox-helpers'
import { attr, setUploadLimit } from './swarm-helpers'

const MiB = 1024 * 1024

// Chromium must show Firefox plain 127.0.0.1 candidates instead of mDNS names (see firefox-helpers.ts).
test.use({ launchOptions: CHROMIUM_BESIDE_FIREFOX })

test('Chromium seeds, Firefox downloads: the file Firefox saves is identical', async ({ peer, firefoxPeer, tmpDir }) => {
  test.setTimeout(120_000)
  const file = await makeRandomFile(tmpDir, 'to-firefox.bin', 6 * MiB + 13)
  const seeder = await peer('chromium seeder')
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])
  const ff = await firefoxPeer('firefox leecher')
  await firefoxOpenMagnet(ff.page, magnet)
  await firefoxWaitForState(ff.page, infohash, 'seeding', 90_000)
  expect(await firefoxSaveAndHash(ff, infohash, file.name, file.size)).toBe(file.sha256)
})

test('Firefox seeds, Chromium downloads: identical bytes', async ({ peer, firefoxPeer, tmpDir }) => {
  test.setTimeout(120_000)
  const file = await makeRandomFile(tmpDir, 'from-firefox.bin', 6 * MiB + 7)
  const ff = await firefoxPeer('firefox seeder')
  const { infohash, magnet } = await firefoxShare(ff.page, [file.path])
  const leecher = await peer('chromium leecher')
  await openMagnet(leecher.page, magnet)
  await waitForState(leecher.page, infohash, 'seeding', 90_000)
  expect(await saveAndHash(leecher.page, infohash, file.name)).toBe(file.sha256)
  // The page shows its counters on a throttled refresh (a Firefox tab in the background gets its
  // timers late): the figure catches up a moment after the leecher is done.
  await expect
    .poll(() => firefoxAttr(ff.page, infohash, 'data-uploaded'), { message: 'Firefox shows the whole file uploaded', timeout: 15_000 })
    .toBeGreaterThanOrEqual(file.size)
})

test('a Firefox tab in a one-seeder, three-leecher swarm with Chromium tabs: all identical, Firefox uploads too', async ({ peer, firefoxPeer, tmpDir }) => {
  test.setTimeout(180_000)
  const file = await makeRandomFile(tmpDir, 'mixed-swarm.bin', 8 * MiB + 321)
  const seeder = await peer('chromium seeder')
  // A slow seeder makes the leechers trade with each other, so Firefox must serve Chromium.
  await setUploadLimit(seeder.page, 1024)
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])
  const ff = await firefoxPeer('firefox leecher')
  const chromiums: Page[] = []
  for (let i = 0; i < 2; i++) chromiums.push((await peer(`chromium leecher ${i + 1}`)).page)
  await Promise.all([firefoxOpenMagnet(ff.page, magnet), ...chromiums.map((p) => openMagnet(p, magnet))])
  await Promise.all([
    firefoxWaitForState(ff.page, infohash, 'seeding', 150_000),
    ...chromiums.map((p) => waitForState(p, infohash, 'seeding', 150_000)),
  ])
  expect(await firefoxSaveAndHash(ff, infohash, file.name, file.size)).toBe(file.sha256)
  for (const p of chromiums) expect(await saveAndHash(p, infohash, file.name)).toBe(file.sha256)
  expect(await firefoxAttr(ff.page, infohash, 'data-uploaded'), 'Firefox uploaded to the Chromium leechers').toBeGreaterThan(0)
  const chromiumUp = await Promise.all(chromiums.map((p) => attr(p, infohash, 'data-uploaded')))
  expect(chromiumUp.reduce((a, b) => a + b, 0), 'the Chromium leechers uploaded too').toBeGreaterThan(0)
})

test('a Firefox tab reloaded mid-download resumes from IndexedDB without fetching verified pieces again', async ({ peer, firefoxPeer, tmpDir }) => {
  test.setTimeout(150_000)
  const size = 8 * MiB + 99
  const file = await makeRandomFile(tmpDir, 'ff-resume.bin', size)
  const seeder = await peer('chromium seeder')
  await setUploadLimit(seeder.page, 1024)
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])
  const ff = await firefoxPeer('firefox leecher')
  await firefoxOpenMagnet(ff.page, magnet)
  await ff.page.waitForFunction(
    (ih: string) => Number(document.querySelector(`[data-testid="torrent"][data-infohash="${ih}"]`)?.getAttribute('data-progress')) >= 0.3,
    { timeout: 90_000, polling: 100 },
    infohash,
  )
  const before = await firefoxAttr(ff.page, infohash, 'data-progress')
  expect(before, 'reloaded mid-download, not after it').toBeLessThan(1)
  await ff.page.reload()
  await firefoxReady(ff.page)
  await ff.page.waitForSelector(`[data-testid="torrent"][data-infohash="${infohash}"]`, { timeout: 30_000 })
  expect(await firefoxAttr(ff.page, infohash, 'data-progress'), 'verified pieces came back from IndexedDB').toBeGreaterThanOrEqual(before)
  await firefoxWaitForState(ff.page, infohash, 'seeding', 120_000)
  // At most what was missing, plus one piece per peer (the seeder is its only peer).
  expect(await firefoxAttr(ff.page, infohash, 'data-downloaded')).toBeLessThanOrEqual((1 - before) * size + choosePieceLength(size))
  expect(await firefoxSaveAndHash(ff, infohash, file.name, file.size)).toBe(file.sha256)
})
