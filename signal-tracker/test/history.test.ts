// The dashboard's peers/torrents history: bounded to its window, fed from the stats, served at
// GET /api/history behind the admin token like the other views.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createStatsHistory } from '../history'
import { TestClient, announce, getJson, id, isAnnounceResponse, startTracker, until } from './helpers'

test('history keeps one window of samples and drops the oldest', () => {
  let peers = 0
  const h = createStatsHistory(() => ({ peers, torrents: 1 }), { intervalMs: 1000, windowMs: 5000 })
  try {
    const t0 = Date.now()
    for (let i = 1; i <= 20; i++) {
      peers = i
      h.record(t0 + i * 1000)
    }
    const { samples } = h.view()
    assert.ok(samples.length <= 6, `at most window/interval + 1 samples, got ${samples.length}`)
    assert.deepEqual(samples.at(-1), { t: t0 + 20_000, peers: 20, torrents: 1 })
    assert.ok(samples[0]!.t >= t0 + 15_000, 'nothing older than the window')
  } finally {
    h.stop()
  }
})

test('a failing or odd read leaves a gap or a zero, never a crash', () => {
  let fail = true
  const h = createStatsHistory(() => {
    if (fail) throw new Error('store down')
    return { peers: Number.NaN, torrents: -3 }
  })
  try {
    assert.equal(h.view().samples.length, 0)
    fail = false
    h.record()
    assert.deepEqual(h.view().samples.map((s) => [s.peers, s.torrents]), [[0, 0]])
  } finally {
    h.stop()
  }
})

test('GET /api/history follows peers and torrents and needs the admin token', async () => {
  const t = await startTracker({ adminToken: 'tok', historyIntervalMs: 50 })
  const c = await TestClient.connect(t.wsUrl)
  try {
    assert.equal((await getJson(`${t.url}/api/history`)).status, 401)
    c.send(announce(id('file-h'), id('peer-h'), { event: 'started', left: 0 }))
    await c.next(isAnnounceResponse)
    let last: { peers: number; torrents: number } | undefined
    await until(async () => {
      const { status, body } = await getJson(`${t.url}/api/history`, 'tok')
      assert.equal(status, 200)
      assert.equal(body.intervalMs, 50)
      last = body.samples.at(-1)
      return last?.peers === 1 && last.torrents === 1
    }, 5000, 'a sample with 1 peer and 1 torrent')
  } finally {
    c.close()
    await t.close()
  }
})
