// Leaving: stopped, closed socket, missed pongs, and a lapsed announce interval. Timings are
// shrunk through the factory options so each case takes well under a second or two.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { TestClient, announce, id, isAnnounceResponse, sleep, startTracker, until } from './helpers'

const H = id('evict')

describe('eviction', () => {
  test('a peer that stops announcing is evicted when its interval lapses', async () => {
    const t = await startTracker({ announceInterval: 1, evictionGraceMs: 200, sweepIntervalMs: 50 })
    const quiet = await TestClient.connect(t.wsUrl)
    const busy = await TestClient.connect(t.wsUrl)
    quiet.send(announce(H, id('quiet'), { left: 0 }))
    busy.send(announce(H, id('busy')))
    await Promise.all([quiet.next(isAnnounceResponse), busy.next(isAnnounceResponse)])
    assert.equal(t.tracker.stats().peers, 2)
    const started = Date.now()
    // `busy` re-announces every 400 ms, well inside its 1 s interval.
    const keepAlive = setInterval(() => busy.send(announce(H, id('busy'))), 400)
    try {
      await until(() => t.tracker.stats().peers === 1, 3000, 'quiet evicted')
      const waited = Date.now() - started
      assert.ok(waited >= 1000, `not before the interval lapsed (${waited} ms)`)
      const s = t.tracker.stats()
      assert.deepEqual([s.seeders, s.leechers, s.evictionsByCause.interval], [0, 1, 1])
      assert.equal(s.connections, 2, 'the socket itself stays; only its stale entry went')
      await sleep(600)
      assert.equal(t.tracker.stats().peers, 1, 'the announcing peer stays')
      // The evicted peer comes back by announcing again.
      quiet.send(announce(H, id('quiet'), { left: 0 }))
      assert.equal((await quiet.next(isAnnounceResponse)).complete, 1)
    } finally {
      clearInterval(keepAlive)
      await Promise.all([quiet.close(), busy.close()])
      await t.close()
    }
  })

  test('a socket that misses its pongs is dropped with its peers', async () => {
    const t = await startTracker({ pingIntervalMs: 150 })
    const dead = await TestClient.connect(t.wsUrl, { autoPong: false })
    const alive = await TestClient.connect(t.wsUrl)
    dead.send(announce(H, id('dead'), { left: 0 }))
    alive.send(announce(H, id('alive')))
    await Promise.all([dead.next(isAnnounceResponse), alive.next(isAnnounceResponse)])
    await until(() => t.tracker.stats().peers === 1, 2000, 'dead socket dropped')
    const s = t.tracker.stats()
    assert.deepEqual([s.seeders, s.leechers, s.connections, s.evictionsByCause.deadSocket], [0, 1, 1, 1])
    await until(() => dead.closed, 2000, 'dead socket closed')
    await sleep(400)
    assert.equal(t.tracker.stats().peers, 1, 'a ponging socket stays')
    await alive.close()
    await t.close()
  })

  test('stopped and a closed socket remove the peer at once, counts follow', async () => {
    const t = await startTracker()
    const a = await TestClient.connect(t.wsUrl)
    const b = await TestClient.connect(t.wsUrl)
    const watcher = await TestClient.connect(t.wsUrl)
    a.send(announce(H, id('a'), { left: 0 }))
    b.send(announce(H, id('b')))
    await Promise.all([a.next(isAnnounceResponse), b.next(isAnnounceResponse)])
    a.send(announce(H, id('a'), { event: 'stopped' }))
    const r = await a.next(isAnnounceResponse)
    assert.deepEqual([r.complete, r.incomplete], [0, 1], 'the stopped reply already excludes it')
    b.ws.terminate()
    await until(() => t.tracker.stats().peers === 0, 1000, 'b gone')
    watcher.send({ action: 'scrape', info_hash: H })
    const sc = await watcher.next()
    assert.deepEqual((sc.files as Record<string, unknown>)[H], { complete: 0, incomplete: 0, downloaded: 0 })
    assert.equal(t.tracker.stats().torrents, 0)
    await Promise.all([a.close(), watcher.close()])
    await t.close()
  })
})
