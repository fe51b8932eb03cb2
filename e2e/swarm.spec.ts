// The swarm engine with real tabs: leechers feed each other, survive the seeder leaving, resume
// after a reload, and ban a peer that lies.
import {
  expect, makeRandomFile, openMagnet, saveAndHash, shareFiles, test, torrentOf, waitForState,
  type Page,
} from './fixtures'
import { choosePieceLength } from '../shared/pieces'
import { attr, lyingPeerScript, setUploadLimit, timeUntilSeeding } from './swarm-helpers'

const MiB = 1024 * 1024

test('one seeder, four leechers: all finish identical and the leechers upload to each other', async ({ peer, tmpDir }) => {
  test.setTimeout(240_000)
  const file = await makeRandomFile(tmpDir, 'swarm.bin', 32 * MiB + 777)
  const seeder = await peer('seeder')
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])
  const leechers: Page[] = []
  for (let i = 0; i < 4; i++) leechers.push((await peer(`leecher ${i + 1}`)).page)
  await Promise.all(leechers.map((p) => openMagnet(p, magnet)))
  await Promise.all(leechers.map((p) => waitForState(p, infohash, 'seeding', 200_000)))
  for (const p of leechers) {
    expect(await saveAndHash(p, infohash, file.name)).toBe(file.sha256)
    expect(await attr(p, infohash, 'data-uploaded'), 'each leecher uploaded to the others').toBeGreaterThan(0)
  }
  const seederUp = await attr(seeder.page, infohash, 'data-uploaded')
  expect(seederUp, 'the seeder did not have to send every leecher the whole file').toBeLessThan(4 * file.size)
})

// The cap set right after the page opens must be in force (issue 8.4: it was once dropped and
// the lone leecher took 1.7 s): the lone leecher cannot beat 1 MiB/s. With the cap working, four
// leechers measured 1.2-1.8x the lone time here depending on load, so the time ratio is a figure
// for `npm run bench` (swarm scenario), not an assertion; what a user notices and this asserts is
// that the leechers feed each other, so the capped seeder does not send each of them the file.
test('with the seeder capped at 1 MiB/s, four leechers finish, mostly fed by each other', async ({ peer, tmpDir }) => {
  test.setTimeout(240_000)
  const file = await makeRandomFile(tmpDir, 'capped.bin', 16 * MiB)
  const seeder = await peer('seeder')
  await setUploadLimit(seeder.page, 1024)
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])

  const alone = (await peer('alone')).page
  await openMagnet(alone, magnet)
  const aloneMs = await timeUntilSeeding(alone, infohash, 120_000)
  await alone.context().close()

  const group: Page[] = []
  for (let i = 0; i < 4; i++) group.push((await peer(`leecher ${i + 1}`)).page)
  const start = Date.now()
  await Promise.all(group.map((p) => openMagnet(p, magnet)))
  await Promise.all(group.map((p) => waitForState(p, infohash, 'seeding', 120_000)))
  const groupMs = Date.now() - start
  const seederUp = await attr(seeder.page, infohash, 'data-uploaded')
  const ups = await Promise.all(group.map((p) => attr(p, infohash, 'data-uploaded')))
  const downs = await Promise.all(group.map((p) => attr(p, infohash, 'data-downloaded')))
  console.log(
    `one leecher alone: ${aloneMs} ms; four together: ${groupMs} ms (${(groupMs / aloneMs).toFixed(2)}x); ` +
      `seeder sent ${(seederUp / MiB).toFixed(1)} MiB (incl. ${(file.size / MiB).toFixed(1)} MiB to the lone leecher), leechers sent ${ups.map((u) => (u / MiB).toFixed(1)).join(', ')} MiB, received ${downs.map((u) => (u / MiB).toFixed(1)).join(', ')} MiB`,
  )
  expect(aloneMs, 'the upload cap typed right after the page opened is in force').toBeGreaterThan(0.8 * (file.size / MiB) * 1000)
  // Without the leechers trading, the seeder would send each of them the whole file (4 copies).
  // Measured with trading: 1.4 copies on a quiet machine, 1.7-2.1 with two test suites running at
  // once. The time ratio (1.2-1.8x quiet, up to 3.8x loaded: five browsers share two cores) is
  // logged above; it is the swarm benchmark's figure, not an assertion.
  expect(seederUp - file.size, 'the seeder sent the four leechers well under four copies').toBeLessThan(3 * file.size)
  // Every leecher takes part. Two fixes made it so: leechers that start together used to miss
  // some of each other in the first announce round and keep only 1-3 of their 4 peers until the
  // next one, 30 s later (swarm.ts: catch-up rounds), and the capped seeder served whichever
  // peer's timer fired first (rate.ts: turns). Before the first, one leecher sent under 1 MiB
  // (0.0-0.7) in about one run of four; after both, each leecher sent 9.8-13.8 MiB in four runs.
  for (const up of ups) expect(up, `every leecher sent more than a sixteenth of the file (sent ${ups.join(', ')} B)`).toBeGreaterThan(file.size / 16)
  expect(ups.reduce((a, b) => a + b, 0), 'the leechers sent each other at least 1.5 copies').toBeGreaterThan(1.5 * file.size)
  for (const p of group) expect(await saveAndHash(p, infohash, file.name)).toBe(file.sha256)
})

test('the seeder leaves once every piece exists in the swarm: the leechers still finish', async ({ peer, tmpDir }) => {
  test.setTimeout(240_000)
  const file = await makeRandomFile(tmpDir, 'leaving.bin', 12 * MiB + 5)
  const seeder = await peer('seeder')
  await setUploadLimit(seeder.page, 2048)
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])
  const leechers: Page[] = []
  for (let i = 0; i < 3; i++) leechers.push((await peer(`leecher ${i + 1}`)).page)
  // Leechers trade slower than the seeder sends: otherwise the leecher that gets the seeder's
  // last fresh piece already has all the others, and is complete before the seeder can leave.
  for (const p of leechers) await setUploadLimit(p, 256)
  await Promise.all(leechers.map((p) => openMagnet(p, magnet)))
  // The seeder sees its peers' bitfields: availability >= 1 means they hold every piece between them.
  await expect(torrentOf(seeder.page, infohash)).toHaveAttribute('data-availability', /^[1-9]/, { timeout: 120_000 })
  const progressAtLeave = await Promise.all(leechers.map((p) => attr(p, infohash, 'data-progress')))
  expect(Math.min(...progressAtLeave), 'no leecher was complete when the seeder left').toBeLessThan(1)
  await seeder.close()
  await Promise.all(leechers.map((p) => waitForState(p, infohash, 'seeding', 120_000)))
  for (const p of leechers) expect(await saveAndHash(p, infohash, file.name)).toBe(file.sha256)
})

test('a leecher reloaded halfway resumes from IndexedDB without fetching verified pieces again', async ({ peer, tmpDir }) => {
  test.setTimeout(240_000)
  const size = 16 * MiB + 99
  const file = await makeRandomFile(tmpDir, 'resume.bin', size)
  const seeder = await peer('seeder')
  await setUploadLimit(seeder.page, 2048)
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])
  const leecher = (await peer('leecher')).page
  await openMagnet(leecher, magnet)
  await expect(torrentOf(leecher, infohash)).toHaveAttribute('data-progress', /^0\.[5-9]/, { timeout: 120_000 })
  const before = await attr(leecher, infohash, 'data-progress')
  await leecher.reload()
  const row = torrentOf(leecher, infohash)
  await expect(row).toHaveCount(1, { timeout: 30_000 })
  const restored = await attr(leecher, infohash, 'data-progress')
  expect(restored, 'verified pieces came back from IndexedDB').toBeGreaterThanOrEqual(before)
  await waitForState(leecher, infohash, 'seeding', 120_000)
  const afterReload = await attr(leecher, infohash, 'data-downloaded')
  // At most what was missing, plus one piece per peer (the seeder is its only peer).
  expect(afterReload).toBeLessThanOrEqual((1 - before) * size + 1 * choosePieceLength(size))
  expect(await saveAndHash(leecher, infohash, file.name)).toBe(file.sha256)
})

test('a peer that sends wrong bytes is banned and the download still completes correctly', async ({ peer, tmpDir }) => {
  test.setTimeout(180_000)
  const file = await makeRandomFile(tmpDir, 'honest.bin', 3 * MiB + 1)
  const liar = await peer('liar')
  await liar.context.addInitScript(lyingPeerScript)
  await liar.page.reload()
  const { infohash, magnet } = await shareFiles(liar.page, [file.path])
  const leecher = (await peer('leecher')).page
  await openMagnet(leecher, magnet)
  // Only the liar is there at first: the leecher must catch it lying.
  await expect(torrentOf(leecher, infohash)).toHaveAttribute('data-banned', '1', { timeout: 60_000 })
  const honest = await peer('honest seeder')
  await shareFiles(honest.page, [file.path])
  await waitForState(leecher, infohash, 'seeding', 120_000)
  expect(await saveAndHash(leecher, infohash, file.name)).toBe(file.sha256)
  await expect(torrentOf(leecher, infohash)).toHaveAttribute('data-banned', '1')
})
