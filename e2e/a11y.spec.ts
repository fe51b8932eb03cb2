// axe-core finds no serious or critical violation on the main page holding a seeding, a
// downloading and a failing torrent, nor on /dashboard, in light and in dark. (One axe run takes
// 10-60 s on this shared 2-core machine, most of it the colour-contrast rule; hence the budgets.)
import { byTestId, expect, makeRandomFile, openMagnet, shareFiles, test, torrentOf } from './fixtures'
import { setUploadLimit } from './swarm-helpers'
import { keepScreenshot, seriousAxeFindings, unreachableMagnet } from './ui-helpers'

test('the main page with seeding, downloading and failing torrents is axe-clean, light and dark', async ({ peer, tmpDir }, testInfo) => {
  test.setTimeout(300_000)
  const slow = await makeRandomFile(tmpDir, 'downloading.bin', 3 * 1024 * 1024)
  const done = await makeRandomFile(tmpDir, 'seeding.bin', 64 * 1024)
  const seeder = await peer('seeder')
  // 16 KiB/s: the other tab stays downloading for minutes, a block a second (a calm page to audit).
  await setUploadLimit(seeder.page, 16)
  const { infohash: slowHash, magnet } = await shareFiles(seeder.page, [slow.path])

  const { page } = await peer('user')
  const { infohash: doneHash } = await shareFiles(page, [done.path])
  await openMagnet(page, magnet)
  const failing = await unreachableMagnet('tracker-down.bin')
  await openMagnet(page, failing.magnet)
  await expect(torrentOf(page, doneHash)).toHaveAttribute('data-state', 'seeding')
  await expect(torrentOf(page, slowHash)).toHaveAttribute('data-state', 'downloading', { timeout: 60_000 })
  await expect.poll(async () => Number(await torrentOf(page, slowHash).getAttribute('data-progress')), { timeout: 60_000 }).toBeGreaterThan(0)
  await expect(torrentOf(page, failing.infohash).locator(byTestId('torrent-error'))).toBeVisible()

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await page.waitForTimeout(1_200) // canvases redraw with the new palette on the next refresh
    expect(await seriousAxeFindings(page), `main page, ${scheme}`).toEqual([])
    await keepScreenshot(page, testInfo, `main-${scheme}`)
  }
  // Still downloading: the page was audited with a torrent in each state.
  await expect(torrentOf(page, slowHash)).toHaveAttribute('data-state', 'downloading')
})

test('the dashboard charts peers and torrents over the last hour and is axe-clean, light and dark', async ({ peer, tmpDir }, testInfo) => {
  test.setTimeout(240_000)
  const file = await makeRandomFile(tmpDir, 'charted.bin', 64 * 1024)
  const seeder = await peer('seeder')
  await shareFiles(seeder.page, [file.path])
  const admin = await peer('admin', { path: '/dashboard' })
  const chart = admin.page.locator(byTestId('dashboard-history'))
  // Samples every 10 s and the chart redraws every 10 s: within ~25 s it shows our peer.
  await expect(chart).toHaveAttribute('data-peers', /^[1-9]\d*$/, { timeout: 40_000 })
  await expect(chart).toHaveAttribute('data-torrents', /^[1-9]\d*$/)
  const points = (await admin.page.locator('#history-peers').getAttribute('points')) ?? ''
  expect(points.trim().split(/\s+/).filter(Boolean).length).toBeGreaterThan(0)
  await expect(admin.page.locator(byTestId('dashboard-history-summary'))).toContainText(/now [1-9]\d* peers?, [1-9]\d* torrents?/)
  await expect(admin.page.locator(byTestId('dashboard-file'))).not.toHaveCount(0)

  for (const scheme of ['light', 'dark'] as const) {
    await admin.page.emulateMedia({ colorScheme: scheme })
    expect(await seriousAxeFindings(admin.page), `dashboard, ${scheme}`).toEqual([])
    await keepScreenshot(admin.page, testInfo, `dashboard-${scheme}`)
  }
})
