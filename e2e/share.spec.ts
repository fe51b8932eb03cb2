// Sharing: a file chosen in one tab downloads byte-identical in another.
import {
  expect,
  expectComplete,
  makeRandomFile,
  openMagnet,
  parseMagnet,
  saveAndHash,
  savePaths,
  shareFiles,
  test,
  torrentOf,
  waitForState,
  type Page,
} from './fixtures'

const MiB = 1024 * 1024

async function peersOf(page: Page, infohash: string): Promise<number> {
  return Number(await torrentOf(page, infohash).getAttribute('data-peers'))
}

test('a file shared in one tab downloads byte-identical in another through its magnet link', async ({ peer, tmpDir }) => {
  const file = await makeRandomFile(tmpDir, 'odd-size.bin', 5 * MiB + 12_345)

  const seeder = await peer('seeder')
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])

  // The link a user copies is a standard magnet link for this file.
  const link = parseMagnet(magnet)
  expect(link.infohash).toBe(infohash)
  expect(infohash).toMatch(/^[0-9a-f]{40}$/)
  expect(link.dn).toBe(file.name)
  expect(link.xl).toBe(file.size)
  expect(link.tr.length).toBeGreaterThan(0)
  for (const tr of link.tr) expect(tr).toMatch(/^wss?:\/\//)
  const seederRow = torrentOf(seeder.page, infohash)
  await expect(seederRow).toHaveAttribute('data-name', file.name)
  await expectComplete(seederRow)

  const leecher = await peer('leecher')
  await openMagnet(leecher.page, magnet)
  const leecherRow = torrentOf(leecher.page, infohash)
  await expect(leecherRow).toHaveCount(1)
  await waitForState(leecher.page, infohash, 'seeding', 120_000)

  await expect(leecherRow).toHaveAttribute('data-name', file.name)
  await expectComplete(leecherRow)
  await expect.poll(() => peersOf(leecher.page, infohash), { message: 'leecher shows its peer' }).toBeGreaterThanOrEqual(1)
  await expect.poll(() => peersOf(seeder.page, infohash), { message: 'seeder shows its peer' }).toBeGreaterThanOrEqual(1)

  expect(await savePaths(leecher.page, infohash)).toEqual([file.name])
  expect(await saveAndHash(leecher.page, infohash, file.name)).toBe(file.sha256)
  // The tracker's scrape counts, as the tab shows them: both tabs seed, one download completed.
  await expect(leecherRow.getByTestId('swarm-counts')).toContainText('2 seeding, 0 downloading, 1 completed', { timeout: 30_000 })
})

test('three files chosen together make one torrent; each downloads byte-identical', async ({ peer, tmpDir }) => {
  const files = [
    await makeRandomFile(tmpDir, 'notes.txt', 1_000), // smaller than any piece (≥ 16 KiB)
    await makeRandomFile(tmpDir, 'photo.jpg', 1 * MiB + 777), // odd size
    await makeRandomFile(tmpDir, 'video.webm', 2 * MiB),
  ]

  const seeder = await peer('seeder')
  const { infohash, magnet } = await shareFiles(seeder.page, files.map((f) => f.path))
  await expect(seeder.page.locator('[data-testid="torrent"]')).toHaveCount(1)
  expect(parseMagnet(magnet).xl).toBe(files.reduce((n, f) => n + f.size, 0))

  const leecher = await peer('leecher')
  await openMagnet(leecher.page, magnet)
  await waitForState(leecher.page, infohash, 'seeding', 120_000)
  await expectComplete(torrentOf(leecher.page, infohash))

  // Each save button names one file's path in the torrent: "name" or "<torrent name>/name".
  const paths = await savePaths(leecher.page, infohash)
  expect(paths).toHaveLength(files.length)
  for (const f of files) {
    const matching = paths.filter((p) => p === f.name || p.endsWith(`/${f.name}`))
    expect(matching, `one save button for ${f.name} among ${JSON.stringify(paths)}`).toHaveLength(1)
    expect(await saveAndHash(leecher.page, infohash, matching[0]!), `bytes of ${f.name}`).toBe(f.sha256)
  }
})

test('opening /#<magnet> directly starts the download', async ({ peer, tmpDir }) => {
  const file = await makeRandomFile(tmpDir, 'direct link.bin', 300 * 1024 + 1)

  const seeder = await peer('seeder')
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])

  const leecher = await peer('leecher', { path: `/#${magnet}` })
  await waitForState(leecher.page, infohash, 'seeding', 120_000)
  await expect(torrentOf(leecher.page, infohash)).toHaveAttribute('data-name', file.name)
  expect(await saveAndHash(leecher.page, infohash, file.name)).toBe(file.sha256)
})
