// Running out of storage mid-download: the torrent pauses with a message, keeps what it has,
// and finishes once there is room again.
import { expect, makeRandomFile, openMagnet, saveAndHash, shareFiles, test, torrentOf, waitForState } from './fixtures'
import { attr } from './swarm-helpers'

const MiB = 1024 * 1024

test('storage quota exceeded pauses the download with a message and keeps stored pieces', async ({ peer, persistentPeer, baseURL, tmpDir }, testInfo) => {
  const file = await makeRandomFile(tmpDir, 'too-big.bin', 24 * MiB + 3)
  const seeder = await peer('seeder')
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])

  // Quota overrides apply to on-disk storage, not to an in-memory (incognito) context.
  const leecher = await persistentPeer('leecher', testInfo.outputPath('profile'))
  const cdp = await leecher.context.newCDPSession(leecher.page)
  const origin = new URL(baseURL!).origin
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 2 * MiB })
  await openMagnet(leecher.page, magnet)
  await waitForState(leecher.page, infohash, 'paused', 60_000)
  const row = torrentOf(leecher.page, infohash)
  await expect(row.getByTestId('torrent-error')).toContainText(/storage is full/i)
  const kept = await attr(leecher.page, infohash, 'data-progress')
  expect(kept, 'pieces stored before the quota ran out are kept').toBeGreaterThan(0)
  expect(kept).toBeLessThan(1)

  // Room again: resuming finishes the download with identical bytes.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin })
  await row.getByRole('button', { name: 'Resume' }).click()
  await waitForState(leecher.page, infohash, 'seeding', 60_000)
  expect(await saveAndHash(leecher.page, infohash, file.name)).toBe(file.sha256)
})
