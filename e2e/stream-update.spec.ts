// Issue 9, bad input: the service worker is updated while a stream is open. The new version is
// installed and waits (sw.ts has no skipWaiting, and Chromium would not activate it while the old
// one still answers the open stream anyway), so the stream plays on, and seeks, in the worker
// that started it. The app is served from a copy of the build whose sw.js the test changes, so
// the suite's own tracker and its build are left alone.
import { appendFile, cp } from 'node:fs/promises'
import path from 'node:path'
import { ROOT, expect, openMagnet, shareFiles, startTracker, test } from './fixtures'
import { setUploadLimit } from './swarm-helpers'
import { media, playedPast, playerState, pressPlay, seek, waitControlled } from './stream-helpers'

test('a new worker published mid-stream waits; the open stream plays on and seeks in the old one', async ({ peer, tmpDir }) => {
  const clip = await media('webm')
  const staticDir = path.join(tmpDir, 'client')
  await cp(path.join(ROOT, 'dist', 'client'), staticDir, { recursive: true })
  const app = await startTracker({ staticDir })
  try {
    const seeder = await peer('seeder', { path: app.baseURL })
    const { infohash, magnet } = await shareFiles(seeder.page, [clip.path])
    await setUploadLimit(seeder.page, Math.ceil((3 * clip.rate) / 1024))
    const viewer = (await peer('viewer', { path: app.baseURL })).page
    await waitControlled(viewer)
    await openMagnet(viewer, magnet)
    await pressPlay(viewer, infohash, clip.name)
    const before = await playedPast(viewer, infohash, 0.5, 30_000)
    expect(before.progress, 'the download is still running').toBeLessThan(1)

    // A new version of the worker is published and the page checks for it.
    await appendFile(path.join(staticDir, 'sw.js'), `\n// next version ${Date.now()}\n`)
    const versions = await viewer.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration()
      if (!reg) throw new Error('no service worker registration')
      const w = window as unknown as { controllerChanges: number }
      w.controllerChanges = 0
      navigator.serviceWorker.addEventListener('controllerchange', () => w.controllerChanges++)
      await reg.update()
      const deadline = Date.now() + 20_000
      while (!reg.waiting && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      return { waiting: !!reg.waiting, activeControls: !!reg.active && reg.active === navigator.serviceWorker.controller }
    })
    expect(versions.waiting, 'the new version is installed and waits').toBe(true)
    expect(versions.activeControls, 'the old version still controls the page').toBe(true)

    // The open stream plays on, and a seek into bytes not yet fetched still plays.
    const now = (await playerState(viewer, infohash))!.currentTime
    await playedPast(viewer, infohash, now + 2, 30_000)
    const target = clip.seconds * 0.6
    await seek(viewer, target)
    const resumed = await playedPast(viewer, infohash, target + 0.5, 30_000)
    expect(resumed.currentTime).toBeGreaterThanOrEqual(target)
    // All along, the new version waited and the old one kept the page.
    const after = await viewer.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration()
      return { waiting: !!reg?.waiting, changes: (window as unknown as { controllerChanges: number }).controllerChanges }
    })
    expect(after).toEqual({ waiting: true, changes: 0 })
  } finally {
    await app.handle.close()
  }
})
