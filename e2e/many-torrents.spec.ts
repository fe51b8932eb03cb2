// A heavy tab: one tab seeding 100 small torrents must not hoard WebRTC connections (Chromium
// refuses a page its 501st), yet a newcomer still downloads any of them at once. Live
// connections are counted in the page by a WeakRef wrapper around RTCPeerConnection.
import { expect, openMagnet, readShareLink, saveAndHash, startTracker, test, torrentOf, waitForState, type Page } from './fixtures'
import { countedTab, peerConnections, shareGenerated, silentLeecher, watchPeerConnections } from './many-torrents-helpers'

const TORRENTS = 100
const MAX_LIVE = 40

test(`a tab seeding ${TORRENTS} torrents holds at most ${MAX_LIVE} connections and still serves a newcomer`, async ({ browser }) => {
  test.setTimeout(180_000)
  // A short announce interval, so the seeder's next announce round (when it learns of leechers)
  // comes within seconds, as it would within two minutes in production.
  const tracker = await startTracker({ announceInterval: 10 })
  const leecher: { close(): void }[] = []
  const tabs: Page[] = []
  try {
    const seeder = await countedTab(browser, tracker.baseURL)
    tabs.push(seeder)
    const t0 = Date.now()
    const { files, byName } = await shareGenerated(seeder, TORRENTS, (k) => 20_000 + k * 97, 120_000)
    console.log(`${TORRENTS} torrents seeding after ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    const watch = watchPeerConnections(seeder)

    // Nobody downloads: a seeder in a swarm without leechers has nobody to offer to. Wait
    // past an announce round of every torrent.
    await seeder.waitForTimeout(12_000)
    const idle = await peerConnections(seeder)
    expect(idle.live, 'live connections of an idle seeding tab').toBeLessThanOrEqual(MAX_LIVE)
    expect(idle.created, 'offers made while no torrent had a leecher').toBe(0)

    // A leecher that never answers joins every swarm: each torrent now wants to offer, and the
    // tab's budget shares a few offers at a time among them, tearing down those unanswered.
    const infoHashes = [...byName.values()]
    const silent = await silentLeecher(tracker.baseURL.replace(/^http/, 'ws') + 'announce', infoHashes)
    leecher.push(silent)
    await expect
      .poll(() => silent.offeredIn.size, { timeout: 60_000, message: 'torrents that got a turn to offer' })
      .toBeGreaterThanOrEqual(16)
    expect(Math.max(...silent.offeredIn.values()), 'offers one torrent sent the silent leecher').toBeLessThanOrEqual(3)

    // A newcomer downloads three of the torrents, one after another, while that goes on.
    const newcomer = await countedTab(browser, tracker.baseURL)
    tabs.push(newcomer)
    for (const f of [files[3]!, files[50]!, files[97]!]) {
      const infohash = byName.get(f.name)!
      const magnet = await readShareLink(torrentOf(seeder, infohash))
      const start = Date.now()
      await openMagnet(newcomer, magnet)
      await waitForState(newcomer, infohash, 'seeding', 60_000)
      console.log(`newcomer: ${f.name} complete in ${((Date.now() - start) / 1000).toFixed(1)} s`)
      expect(await saveAndHash(newcomer, infohash, f.name)).toBe(f.sha256)
    }

    const max = await watch.stop()
    const end = await peerConnections(seeder)
    console.log(`seeder tab: at most ${max.live} live peer connections, ${end.created} made in all; silent leecher got offers in ${silent.offeredIn.size} torrents`)
    expect(max.live, `live connections of the ${TORRENTS}-torrent tab at any time`).toBeLessThanOrEqual(MAX_LIVE)
  } finally {
    for (const l of leecher) l.close()
    await Promise.allSettled(tabs.map((t) => t.context().close()))
    await tracker.handle.close()
  }
})
