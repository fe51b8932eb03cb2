// Issue 9: play audio and video while they download, seek, in any tab of the browser. The media
// are made with ffmpeg; the seeder's upload is capped near three times the media's bitrate, so
// the whole download takes about a third of the running time and the tests see playback long
// before the end.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { byTestId, expect, openMagnet, randomInfohash, shareFiles, test, torrentOf, waitForState } from './fixtures'
import { setUploadLimit } from './swarm-helpers'
import { fetchInPage, media, playedPast, pressPlay, seek, waitControlled, type MediaFormat } from './stream-helpers'

const FORMATS: MediaFormat[] = ['webm', 'mp4-faststart', 'mp4-moov-at-end']

test.beforeAll(async () => {
  test.setTimeout(300_000)
  await Promise.all(FORMATS.map(media))
})

for (const format of FORMATS) {
  test(`${format}: Play plays while downloading, and a seek to 80% plays within seconds`, async ({ peer }) => {
    const clip = await media(format)
    const seeder = await peer('seeder')
    const { infohash, magnet } = await shareFiles(seeder.page, [clip.path])
    await setUploadLimit(seeder.page, Math.ceil((3 * clip.rate) / 1024))

    const viewer = await peer('viewer')
    await openMagnet(viewer.page, magnet)
    await pressPlay(viewer.page, infohash, clip.name)
    const started = await playedPast(viewer.page, infohash, 0.3, 30_000)
    expect(started.progress, 'playing before half the file is in').toBeLessThan(0.5)

    const target = clip.seconds * 0.8
    const before = Date.now()
    await seek(viewer.page, target)
    const resumed = await playedPast(viewer.page, infohash, target + 0.5, 15_000)
    expect(resumed.currentTime).toBeGreaterThanOrEqual(target)
    expect(resumed.progress, 'the seek played before the download ended').toBeLessThan(1)
    expect(Date.now() - before, 'seek to playing').toBeLessThan(15_000)
  })
}

test('a second tab of the same browser plays the file; the running tab reloads and plays it too', async ({ peer }) => {
  const clip = await media('webm')
  const seeder = await peer('seeder')
  const { infohash, magnet } = await shareFiles(seeder.page, [clip.path])

  const viewer = await peer('viewer')
  await openMagnet(viewer.page, magnet)
  await waitForState(viewer.page, infohash, 'downloading')

  const second = await viewer.context.newPage()
  await second.goto('/')
  // Shown from storage in the second tab, run by the first (one tab per torrent: Web Locks).
  await expect(torrentOf(second, infohash).locator(byTestId('elsewhere'))).toBeVisible()
  await waitControlled(second)
  await pressPlay(second, infohash, clip.name)
  await playedPast(second, infohash, 1, 30_000)

  // The running tab reloads: the second tab takes the torrent over, the first plays after reload.
  await viewer.page.reload()
  await pressPlay(viewer.page, infohash, clip.name)
  await playedPast(viewer.page, infohash, 1, 30_000)
  await expect(torrentOf(second, infohash).locator(byTestId('elsewhere'))).toHaveCount(0)
})

test('bad requests: no Play for a non-media file, 416 outside the file, 404 for an unknown torrent or file', async ({ peer, tmpDir }) => {
  const file = path.join(tmpDir, 'notes.bin')
  await writeFile(file, randomBytes(300_000))
  const seeder = await peer('seeder')
  const { infohash } = await shareFiles(seeder.page, [file])
  const row = torrentOf(seeder.page, infohash)
  await expect(row.locator(byTestId('save'))).toHaveCount(1)
  await expect(row.locator(byTestId('play'))).toHaveCount(0)

  await waitControlled(seeder.page)
  const inside = await fetchInPage(seeder.page, `/stream/${infohash}/0`, 'bytes=1000-')
  expect(inside.status).toBe(206)
  expect(inside.headers['content-range']).toBe(`bytes 1000-299999/300000`)
  expect(inside.headers['accept-ranges']).toBe('bytes')
  const outside = await fetchInPage(seeder.page, `/stream/${infohash}/0`, 'bytes=300000-')
  expect(outside.status).toBe(416)
  expect(outside.headers['content-range']).toBe('bytes */300000')
  const unknown = await fetchInPage(seeder.page, `/stream/${randomInfohash()}/0`, 'bytes=0-')
  expect(unknown.status).toBe(404)
  expect(unknown.text).toContain('No torrent with info hash')
  const noFile = await fetchInPage(seeder.page, `/stream/${infohash}/7`, 'bytes=0-')
  expect(noFile.status).toBe(404)
  expect(noFile.text).toContain('has no file 7')
})

test('clear messages: a file the browser cannot decode, and a torrent removed while playing', async ({ peer, tmpDir }) => {
  const broken = path.join(tmpDir, 'broken.mp4')
  await writeFile(broken, randomBytes(200_000))
  const clip = await media('mp4-faststart')
  const tab = await peer('tab')
  const bad = await shareFiles(tab.page, [broken])
  // The player may come and go within a frame, so the button is pressed without waiting for it.
  await torrentOf(tab.page, bad.infohash).locator(`${byTestId('play')}[data-file="broken.mp4"]`).click()
  await expect(torrentOf(tab.page, bad.infohash).locator(byTestId('player-error'))).toContainText('cannot play "broken.mp4"')
  // The download is unaffected and the file can still be saved.
  await expect(torrentOf(tab.page, bad.infohash).locator(byTestId('save'))).toBeEnabled()

  const good = await shareFiles(tab.page, [clip.path])
  await pressPlay(tab.page, good.infohash, clip.name)
  await playedPast(tab.page, good.infohash, 0.5, 30_000)
  await torrentOf(tab.page, good.infohash).locator(byTestId('remove')).click()
  await expect(tab.page.locator(byTestId('player'))).toHaveCount(0)
  await expect(tab.page.locator(byTestId('app-error'))).toContainText('was removed while it was playing')
})
