// Persistence: a seeding tab closed and opened again seeds from IndexedDB.
import { rename } from 'node:fs/promises'
import { expect, expectComplete, makeRandomFile, openMagnet, saveAndHash, shareFiles, test, torrentOf, waitForState } from './fixtures'

test('a seeding browser closed and reopened seeds again from IndexedDB', async ({ peer, persistentPeer, tmpDir }, testInfo) => {
  const file = await makeRandomFile(tmpDir, 'kept.bin', 2 * 1024 * 1024 + 3)
  const profile = testInfo.outputPath('profile')

  const first = await persistentPeer('seeder', profile)
  const { infohash, magnet } = await shareFiles(first.page, [file.path])
  await first.close()

  // The original file is gone from where it was chosen: only IndexedDB has the bytes now.
  await rename(file.path, `${file.path}.moved`)

  const again = await persistentPeer('seeder reopened', profile)
  const row = torrentOf(again.page, infohash)
  await expect(row).toHaveCount(1, { timeout: 30_000 })
  await waitForState(again.page, infohash, 'seeding', 60_000)
  await expect(row).toHaveAttribute('data-name', file.name)
  await expectComplete(row)

  const leecher = await peer('leecher')
  await openMagnet(leecher.page, magnet)
  await waitForState(leecher.page, infohash, 'seeding', 120_000)
  expect(await saveAndHash(leecher.page, infohash, file.name)).toBe(file.sha256)
})
