// axe-core finds no serious or critical violation on the main page holding a seeding, a
// downloading and a failing torrent, nor on /dashboard, in light and in dark.
import { byTestId, expect, makeRandomFile, openMagnet, shareFiles, test, torrentOf } from './fixtures'
import { setUploadLimit } from './swarm-helpers'
import { keepScreenshot, seriousAxeFindings, unreachableMagnet } from './ui-helpers'

test('the main page and the dashboard are axe-clean in light and dark', async ({ peer, tmpDir }, testInfo) => {
  const slow = await makeRandomFile(tmpDir, 'downloading.bin', 3 * 1024 * 1024)
  const done = await makeRandomFile(tmpDir, 'seeding.bin', 64 * 1024)
  const seeder = await peer('seeder')
  await setUploadLimit(seeder.page, 48) // keeps the other tab downloading for a minute
  const { infohash: slowHash, magnet } = await shareFiles(seeder.page, [slow.path])

  const { page } = await peer('user')
  const { infohash: doneHash } = await shareFiles(page, [done.path])
  await openMagnet(page, magnet)
  const failing = await unreachableMagnet('tracker-down.bin')
  await openMagnet(page, failing.magnet)
  await expect(torrentOf(page, doneHash)).toHaveAttribute('data-state', 'seeding')
  await expect(torrentOf(page, slowHash)).toHaveAttribute('data-state', 'downloading')
  await expect.poll(async () => Number(await torrentOf(page, slowHash).getAttribute('data-progress'))).toBeGreaterThan(0)
  await expect(torrentOf(page, failing.infohash).locator(byTestId('torrent-error'))).toBeVisible()

  const admin = await peer('admin', { path: '/dashboard' })
  await expect(admin.page.locator(byTestId('dashboard-file'))).not.toHaveCount(0)
  await expect(admin.page.locator(byTestId('dashboard-history'))).toHaveAttribute('data-samples', /^[1-9]\d*$/)

  for (const scheme of ['light', 'dark'] as const) {
    for (const [where, p] of [['main', page], ['dashboard', admin.page]] as const) {
      await p.emulateMedia({ colorScheme: scheme })
      await p.waitForTimeout(300) // let canvases pick up the new palette
      expect(await seriousAxeFindings(p), `${where} page, ${scheme}`).toEqual([])
      await keepScreenshot(p, testInfo, `${where}-${scheme}`)
    }
  }
  // Still downloading: the page was checked with a torrent in each state.
  await expect(torrentOf(page, slowHash)).toHaveAttribute('data-state', 'downloading')
})

test('the dashboard charts peers and torrents over the last hour', async ({ peer, tmpDir }) => {
  const file = await makeRandomFile(tmpDir, 'charted.bin', 64 * 1024)
  const seeder = await peer('seeder')
  await shareFiles(seeder.page, [file.path])
  const admin = await peer('admin', { path: '/dashboard' })
  const chart = admin.page.locator(byTestId('dashboard-history'))
  // Samples every 10 s and the chart redraws every 10 s: within ~25 s it shows our peer.
  await expect(chart).toHaveAttribute('data-peers', /^[1-9]\d*$/, { timeout: 40_000 })
  await expect(chart).toHaveAttribute('data-torrents', /^[1-9]\d*$/)
  const points = await admin.page.locator('#history-peers').getAttribute('points')
  expect(points?.trim().split(/\s+/).length).toBeGreaterThan(0)
  await expect(admin.page.locator(byTestId('dashboard-history-summary'))).toContainText(/now [1-9]\d* peers/)
})
