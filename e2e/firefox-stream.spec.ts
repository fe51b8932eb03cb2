// Play while downloading in Firefox (issue 9 in the browser of issue 8): a Chromium tab seeds a
// WebM with its upload capped near three times the bitrate, a Firefox tab opens the link, plays
// it through the service worker long before the download ends, and a seek to 80% plays.
import { shareFiles } from './fixtures'
import { CHROMIUM_BESIDE_FIREFOX, firefoxAttr, firefoxOpenMagnet, test } from './firefox-helpers'
import type { FirefoxPage } from './firefox-helpers'
import { setUploadLimit } from './swarm-helpers'
import { media } from './stream-helpers'
import { expect } from './fixtures'

test.use({ launchOptions: CHROMIUM_BESIDE_FIREFOX })

interface Played { currentTime: number; paused: boolean; error: number | null }

async function firefoxPlayedPast(page: FirefoxPage, seconds: number, timeout: number): Promise<Played> {
  const handle = await page.waitForFunction(
    (s: number) => {
      const el = document.querySelector('[data-testid="player"]') as HTMLMediaElement | null
      if (!el) return false
      if (el.error) return { currentTime: el.currentTime, paused: el.paused, error: el.error.code }
      return el.currentTime >= s && !el.paused ? { currentTime: el.currentTime, paused: el.paused, error: null } : false
    },
    { timeout, polling: 100 },
    seconds,
  )
  return (await handle.jsonValue()) as Played
}

test('Firefox plays a video while it downloads, and a seek to 80% plays', async ({ peer, firefoxPeer }) => {
  test.setTimeout(150_000)
  const clip = await media('webm')
  const seeder = await peer('chromium seeder')
  const { infohash, magnet } = await shareFiles(seeder.page, [clip.path])
  await setUploadLimit(seeder.page, Math.ceil((3 * clip.rate) / 1024))

  const ff = await firefoxPeer('firefox viewer')
  await ff.page.waitForFunction(() => !!navigator.serviceWorker?.controller, { timeout: 20_000, polling: 100 })
  await firefoxOpenMagnet(ff.page, magnet)
  const play = `[data-testid="torrent"][data-infohash="${infohash}"] [data-testid="play"][data-file=${JSON.stringify(clip.name)}]`
  await ff.page.waitForFunction((sel: string) => {
    const b = document.querySelector(sel)
    return b instanceof HTMLButtonElement && !b.disabled
  }, { timeout: 60_000, polling: 100 }, play)
  await ff.page.click(play)
  const started = await firefoxPlayedPast(ff.page, 0.5, 30_000)
  expect(started.error, 'Firefox decodes the stream').toBeNull()
  expect(await firefoxAttr(ff.page, infohash, 'data-progress'), 'playing before the download ends').toBeLessThan(1)

  const target = clip.seconds * 0.8
  await ff.page.evaluate((s: number) => {
    const el = document.querySelector('[data-testid="player"]') as HTMLMediaElement
    el.currentTime = s
    void el.play().catch(() => {})
  }, target)
  const resumed = await firefoxPlayedPast(ff.page, target + 0.5, 30_000)
  expect(resumed.error).toBeNull()
  expect(resumed.currentTime).toBeGreaterThanOrEqual(target)
})
