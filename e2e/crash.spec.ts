// A crash loses nothing: a tab whose renderer dies mid-write, and a browser killed with SIGKILL,
// come back with every stored piece intact and a bitfield that claims exactly what is stored,
// then carry on; the file's bytes are compared at the end.
import { choosePieceLength } from '../shared/pieces'
import {
  byTestId, expect, expectComplete, makeRandomFile, openMagnet, saveAndHash, shareFiles, test, torrentOf, waitForState,
} from './fixtures'
import {
  appReady, browserPid, crashTab, expectConsistent, expectedPieceHashes, holdBatch, killHard, pieceBatchHook, readStoredTorrent, singleFileInfohash,
} from './crash-helpers'
import { attr, setUploadLimit } from './swarm-helpers'

const MiB = 1024 * 1024

test('a tab that crashes while a batch of pieces is being written comes back intact and resumes', async ({ peer, tmpDir, baseURL }) => {
  test.setTimeout(150_000)
  const file = await makeRandomFile(tmpDir, 'tab-crash.bin', 8 * MiB + 5)
  const expected = await expectedPieceHashes(file.path)
  const seeder = await peer('seeder')
  await setUploadLimit(seeder.page, 1024)
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])

  const leecher = await peer('leecher')
  await leecher.context.addInitScript(pieceBatchHook)
  await leecher.page.reload()
  await appReady(leecher.page)
  await openMagnet(leecher.page, magnet)
  await expect(torrentOf(leecher.page, infohash)).toHaveAttribute('data-progress', /^0\.[2-9]/, { timeout: 60_000 })
  await holdBatch(leecher.page)
  // The renderer dies with the batch's pieces and bitfield written into an uncommitted transaction.
  await crashTab(leecher.context, leecher.page)

  // Nothing arrives while we look: the seeder sends 1 KiB/s to the tab that comes back.
  await setUploadLimit(seeder.page, 1)
  const stored = expectConsistent(await readStoredTorrent(leecher.context, baseURL!, infohash), expected)
  expect(stored, 'some pieces were stored before the crash').toBeGreaterThan(0)
  expect(stored).toBeLessThan(expected.length)

  // The user opens the page again in the same browser.
  const again = await leecher.context.newPage()
  await again.goto(baseURL!)
  await appReady(again)
  const row = torrentOf(again, infohash)
  await expect(row).toHaveCount(1, { timeout: 30_000 })
  expect(await attr(again, infohash, 'data-progress'), 'restored progress is what is stored').toBeCloseTo(stored / expected.length, 6)
  await setUploadLimit(seeder.page, 0)
  await waitForState(again, infohash, 'seeding', 120_000)
  const pieceLength = choosePieceLength(file.size)
  // Only the missing pieces are fetched again (plus at most one piece in flight per peer).
  expect(await attr(again, infohash, 'data-downloaded')).toBeLessThanOrEqual((expected.length - stored + 1) * pieceLength)
  expect(await saveAndHash(again, infohash, file.name)).toBe(file.sha256)
})

test('a tab that crashes while storing a file it shares comes back with the stored part and completes it from a peer', async ({ peer, tmpDir, baseURL }) => {
  test.setTimeout(150_000)
  const file = await makeRandomFile(tmpDir, 'import-crash.bin', 8 * MiB + 9)
  const expected = await expectedPieceHashes(file.path)
  const sharer = await peer('sharer')
  await sharer.context.addInitScript(pieceBatchHook)
  await sharer.page.reload()
  await appReady(sharer.page)
  // Two batches of the import commit, the third is held open; then the tab crashes.
  await holdBatch(sharer.page, 3, () => sharer.page.locator(byTestId('file-input')).setInputFiles([file.path]))
  await crashTab(sharer.context, sharer.page)
  const infohash = await singleFileInfohash(file, expected)
  const stored = expectConsistent(await readStoredTorrent(sharer.context, baseURL!, infohash), expected)
  expect(stored).toBeGreaterThan(0)

  const again = await sharer.context.newPage()
  await again.goto(baseURL!)
  await appReady(again)
  const row = torrentOf(again, infohash)
  await expect(row, 'the half-stored torrent is back').toHaveCount(1, { timeout: 30_000 })
  expect(await attr(again, infohash, 'data-progress')).toBeCloseTo(stored / expected.length, 6)
  // Another tab shares the same file: the restored torrent fetches what it lacks from it.
  const other = await peer('other sharer')
  await shareFiles(other.page, [file.path])
  await waitForState(again, infohash, 'seeding', 120_000)
  expect(await saveAndHash(again, infohash, file.name)).toBe(file.sha256)
})

test('a downloading browser killed with SIGKILL mid-write comes back from its profile intact and resumes', async ({ peer, persistentPeer, tmpDir, baseURL }, testInfo) => {
  test.setTimeout(180_000)
  const file = await makeRandomFile(tmpDir, 'kill-leecher.bin', 8 * MiB + 17)
  const expected = await expectedPieceHashes(file.path)
  const profile = testInfo.outputPath('leecher-profile')
  const seeder = await peer('seeder')
  await setUploadLimit(seeder.page, 1024)
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])

  const first = await persistentPeer('leecher', profile)
  await first.context.addInitScript(pieceBatchHook)
  await first.page.reload()
  await appReady(first.page)
  await openMagnet(first.page, magnet)
  await expect(torrentOf(first.page, infohash)).toHaveAttribute('data-progress', /^0\.[2-9]/, { timeout: 60_000 })
  await holdBatch(first.page)
  await killHard(await browserPid(profile))
  await setUploadLimit(seeder.page, 1)

  const again = await persistentPeer('leecher after SIGKILL', profile, { path: '/api/stats' })
  const stored = expectConsistent(await readStoredTorrent(again.context, baseURL!, infohash), expected)
  expect(stored, 'pieces committed before the kill survived it').toBeGreaterThan(0)
  expect(stored).toBeLessThan(expected.length)
  await again.page.goto(baseURL!)
  await appReady(again.page)
  await expect(torrentOf(again.page, infohash)).toHaveCount(1, { timeout: 30_000 })
  expect(await attr(again.page, infohash, 'data-progress'), 'restored progress is what is stored').toBeCloseTo(stored / expected.length, 6)
  await setUploadLimit(seeder.page, 0)
  await waitForState(again.page, infohash, 'seeding', 120_000)
  expect(await saveAndHash(again.page, infohash, file.name)).toBe(file.sha256)
})

test('a seeding browser killed with SIGKILL comes back from its profile with every piece and seeds again', async ({ peer, persistentPeer, tmpDir, baseURL }, testInfo) => {
  test.setTimeout(180_000)
  const file = await makeRandomFile(tmpDir, 'kill-seeder.bin', 8 * MiB + 3)
  const expected = await expectedPieceHashes(file.path)
  const profile = testInfo.outputPath('seeder-profile')
  const first = await persistentPeer('seeder', profile)
  await setUploadLimit(first.page, 1024)
  const { infohash, magnet } = await shareFiles(first.page, [file.path])
  const leecher = await peer('leecher')
  await openMagnet(leecher.page, magnet)
  // Killed while uploading (its counters are saved every 5 s), seconds after the import's last write.
  await expect(torrentOf(leecher.page, infohash)).toHaveAttribute('data-progress', /^0\.[1-9]/, { timeout: 60_000 })
  await killHard(await browserPid(profile))

  const again = await persistentPeer('seeder after SIGKILL', profile)
  const row = torrentOf(again.page, infohash)
  await expect(row).toHaveCount(1, { timeout: 30_000 })
  await waitForState(again.page, infohash, 'seeding', 30_000)
  await expectComplete(row)
  expect(expectConsistent(await readStoredTorrent(again.context, baseURL!, infohash), expected)).toBe(expected.length)
  await setUploadLimit(again.page, 0)
  await waitForState(leecher.page, infohash, 'seeding', 120_000)
  expect(await saveAndHash(leecher.page, infohash, file.name)).toBe(file.sha256)
})
