// A crash loses nothing: a tab whose renderer dies mid-write, and a browser killed with SIGKILL,
// come back with every stored piece intact and a bitfield that claims exactly what is stored,
// then carry on; the file's bytes are compared at the end.
import { choosePieceLength } from '../shared/pieces'
import {
  byTestId, expect, expectComplete, makeRandomFile, openMagnet, saveAndHash, shareFiles, test, torrentOf, waitForState,
} from './fixtures'
import {
  appReady, browserPid, crashTab, expectConsistent, expectedPieceHashes, holdBatch, hookPieceBatches, killHard, readStoredTorrent, singleFileInfohash,
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
  await appReady(leecher.page)
  const writer = await hookPieceBatches(leecher.page)
  await openMagnet(leecher.page, magnet)
  await expect(torrentOf(leecher.page, infohash)).toHaveAttribute('data-progress', /^0\.[2-9]/, { timeout: 60_000 })
  await holdBatch(writer)
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
  await appReady(sharer.page)
  const writer = await hookPieceBatches(sharer.page)
  // Two batches of the import commit, the third is held open; then the tab crashes.
  await holdBatch(writer, 3, () => sharer.page.locator(byTestId('file-input')).setInputFiles([file.path]))
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

test('a browser killed with SIGKILL while seeding one file and writing another comes back from its profile intact', async ({ peer, persistentPeer, tmpDir, baseURL }, testInfo) => {
  test.setTimeout(180_000)
  const seeded = await makeRandomFile(tmpDir, 'kill-seeding.bin', 4 * MiB + 3)
  const fetched = await makeRandomFile(tmpDir, 'kill-fetching.bin', 8 * MiB + 17)
  const [seededPieces, fetchedPieces] = await Promise.all([expectedPieceHashes(seeded.path), expectedPieceHashes(fetched.path)])
  const profile = testInfo.outputPath('profile')
  // `other` seeds what the profile downloads, and downloads what the profile seeds.
  const other = await peer('other')
  await setUploadLimit(other.page, 1024)
  const b = await shareFiles(other.page, [fetched.path])

  const first = await persistentPeer('profile', profile)
  await appReady(first.page)
  const writer = await hookPieceBatches(first.page)
  await setUploadLimit(first.page, 512)
  const a = await shareFiles(first.page, [seeded.path])
  await openMagnet(other.page, a.magnet)
  await openMagnet(first.page, b.magnet)
  await expect(torrentOf(other.page, a.infohash), 'the profile is uploading').toHaveAttribute('data-progress', /^0\.[1-9]/, { timeout: 60_000 })
  await expect(torrentOf(first.page, b.infohash)).toHaveAttribute('data-progress', /^0\.[2-9]/, { timeout: 60_000 })
  // The whole browser dies while a batch of the download is written but not committed.
  await holdBatch(writer)
  await killHard(await browserPid(profile))
  await setUploadLimit(other.page, 1)

  const again = await persistentPeer('profile after SIGKILL', profile, { path: '/api/stats' })
  expect(expectConsistent(await readStoredTorrent(again.context, baseURL!, a.infohash), seededPieces), 'the seeded file is whole').toBe(seededPieces.length)
  const stored = expectConsistent(await readStoredTorrent(again.context, baseURL!, b.infohash), fetchedPieces)
  expect(stored, 'pieces committed before the kill survived it').toBeGreaterThan(0)
  expect(stored).toBeLessThan(fetchedPieces.length)
  await again.page.goto(baseURL!)
  await appReady(again.page)
  await expect(torrentOf(again.page, b.infohash)).toHaveCount(1, { timeout: 30_000 })
  expect(await attr(again.page, b.infohash, 'data-progress'), 'restored progress is what is stored').toBeCloseTo(stored / fetchedPieces.length, 6)
  await waitForState(again.page, a.infohash, 'seeding', 30_000)
  await expectComplete(torrentOf(again.page, a.infohash))
  // Both sides carry on at full speed (the profile remembers its 512 KiB/s limit: lift it).
  await setUploadLimit(again.page, 0)
  await setUploadLimit(other.page, 0)
  await Promise.all([waitForState(again.page, b.infohash, 'seeding', 120_000), waitForState(other.page, a.infohash, 'seeding', 120_000)])
  expect(await saveAndHash(again.page, b.infohash, fetched.name)).toBe(fetched.sha256)
  expect(await saveAndHash(other.page, a.infohash, seeded.name)).toBe(seeded.sha256)
})
