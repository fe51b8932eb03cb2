// Errors a user can run into are shown, not swallowed.
import {
  appError,
  byTestId,
  closedPort,
  expect,
  makeRandomFile,
  openMagnet,
  randomInfohash,
  test,
  torrentOf,
  torrents,
} from './fixtures'

for (const bad of ['hello, this is not a link', 'magnet:?xt=urn:btih:12345&dn=broken']) {
  test(`a malformed link is refused with a message: ${JSON.stringify(bad)}`, async ({ peer }) => {
    const { page } = await peer('user')
    await expect(page.locator(byTestId('link-input'))).toBeVisible()
    await expect(appError(page)).toBeHidden()

    await openMagnet(page, bad)
    await expect(appError(page)).toBeVisible()
    await expect(appError(page)).toContainText(/magnet/i)
    await expect(torrents(page)).toHaveCount(0)
  })
}

test('an empty file is refused with a message', async ({ peer, tmpDir }) => {
  const empty = await makeRandomFile(tmpDir, 'empty.txt', 0)
  const { page } = await peer('user')
  await expect(appError(page)).toBeHidden()

  await page.locator(byTestId('file-input')).setInputFiles([empty.path])
  await expect(appError(page)).toBeVisible()
  await expect(appError(page)).toContainText(/empty/i)
  await expect(torrents(page)).toHaveCount(0)
})

test('a magnet whose tracker cannot be reached waits for metadata and says why', async ({ peer }) => {
  const infohash = randomInfohash()
  const tracker = `ws://127.0.0.1:${await closedPort()}/announce` // nothing listens there
  const magnet = `magnet:?xt=urn:btih:${infohash}&dn=unreachable.bin&tr=${encodeURIComponent(tracker)}`
  const { page } = await peer('user')

  await openMagnet(page, magnet)
  const row = torrentOf(page, infohash)
  await expect(row).toHaveCount(1)
  await expect(row).toHaveAttribute('data-state', 'metadata')
  const error = row.locator(byTestId('torrent-error'))
  await expect(error).toBeVisible()
  await expect(error).toContainText(/tracker/i)

  // It keeps trying rather than giving up.
  await page.waitForTimeout(5_000)
  await expect(row).toHaveAttribute('data-state', 'metadata')
  await expect(appError(page)).toBeHidden()
})
