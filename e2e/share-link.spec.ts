// Issue 10, points 1 and 2: the app link `<page>#<magnet>` that opens Tabswarm and starts the
// download, its copy and share actions, and its QR code.
import { expect, makeRandomFile, saveAndHash, shareFiles, test, torrentOf, waitForState } from './fixtures'
import { decodeQrScreenshot, readAppLink, readClipboard } from './share-helpers'

test('the app link opened in a fresh browser downloads byte-identical; Copy link copies it, Copy magnet the magnet', async ({ peer, baseURL, tmpDir }) => {
  const file = await makeRandomFile(tmpDir, 'holiday photos.bin', 700 * 1024 + 3)
  const seeder = await peer('seeder')
  await seeder.context.grantPermissions(['clipboard-read', 'clipboard-write'])
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])
  const row = torrentOf(seeder.page, infohash)

  const link = await readAppLink(row)
  expect(link).toBe(`${new URL('/', baseURL).href}#${magnet}`)

  await row.getByRole('button', { name: 'Copy link' }).click()
  await expect.poll(() => readClipboard(seeder.page)).toBe(link)
  await row.getByTestId('copy-magnet').click()
  await expect.poll(() => readClipboard(seeder.page)).toBe(magnet)
  // Headless Chromium on Linux has no Web Share API: the control is hidden, not broken.
  expect(await seeder.page.evaluate(() => typeof navigator.share)).toBe('undefined')
  await expect(row.getByTestId('share-native')).toHaveCount(0)

  const friend = await peer('friend', { path: link })
  await waitForState(friend.page, infohash, 'seeding', 120_000)
  await expect(torrentOf(friend.page, infohash)).toHaveAttribute('data-name', file.name)
  expect(await saveAndHash(friend.page, infohash, file.name)).toBe(file.sha256)
})

test('Share hands the app link to the Web Share API where the browser has one', async ({ peer, tmpDir }) => {
  const file = await makeRandomFile(tmpDir, 'to-share.bin', 40_000)
  const phone = await peer('phone')
  // A stand-in for a phone's share sheet, installed before the app starts.
  await phone.page.addInitScript(() => {
    const w = window as unknown as { shared: ShareData[] }
    w.shared = []
    Object.defineProperty(navigator, 'share', { value: async (data: ShareData) => void w.shared.push(data) })
  })
  await phone.page.reload()
  const { infohash } = await shareFiles(phone.page, [file.path])
  const row = torrentOf(phone.page, infohash)
  await row.getByTestId('share-native').click()
  const shared = await phone.page.evaluate(() => (window as unknown as { shared: ShareData[] }).shared)
  expect(shared).toHaveLength(1)
  expect(shared[0]?.url).toBe(await readAppLink(row))
  expect(shared[0]?.title).toBe(file.name)
})

test('show-qr reveals a QR code that decodes to the app link, and hides it again', async ({ peer, tmpDir }) => {
  const file = await makeRandomFile(tmpDir, 'qr me.bin', 20_000)
  const seeder = await peer('seeder')
  const { infohash } = await shareFiles(seeder.page, [file.path])
  const row = torrentOf(seeder.page, infohash)
  const qr = row.getByTestId('share-qr')
  await expect(qr).toBeHidden()

  await row.getByTestId('show-qr').click()
  await expect(qr).toBeVisible()
  await expect(row.getByTestId('show-qr')).toHaveAttribute('aria-expanded', 'true')
  expect(await decodeQrScreenshot(seeder.page, qr)).toBe(await readAppLink(row))

  await row.getByTestId('show-qr').click()
  await expect(qr).toBeHidden()
})
