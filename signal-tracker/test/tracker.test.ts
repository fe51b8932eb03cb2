// Integration: real `ws` clients speaking the WebTorrent tracker protocol to a running tracker.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  SDP_ANSWER, SDP_OFFER, TestClient, announce, id, isAnnounceResponse, isAnswer, isFailure, isOffer, offers, startTracker,
} from './helpers'
import type { Running } from './helpers'

describe('tracker protocol', () => {
  let t: Running
  const X = id('swarm-x')
  const Y = id('swarm-y')
  before(async () => { t = await startTracker({ announceInterval: 77 }) })
  after(async () => { await t.close() })

  test('announce is answered with interval and swarm counts, in WebTorrent shape', async () => {
    const a = await TestClient.connect(t.wsUrl)
    a.send(announce(id('lonely'), id('peer-l'), { event: 'started', left: 0 }))
    const r = await a.next(isAnnounceResponse)
    assert.deepEqual(r, { action: 'announce', interval: 77, info_hash: id('lonely'), complete: 1, incomplete: 0 })
    await a.close()
  })

  test('offers reach peers of the same swarm only, answers reach the offerer', async () => {
    const a = await TestClient.connect(t.wsUrl)
    const b = await TestClient.connect(t.wsUrl)
    const c = await TestClient.connect(t.wsUrl)
    b.send(announce(X, id('peer-b'), { event: 'started', left: 0, peer_name: 'Bob' }))
    await b.next(isAnnounceResponse)
    c.send(announce(Y, id('peer-c'), { event: 'started' }))
    await c.next(isAnnounceResponse)

    a.send(announce(X, id('peer-a'), { event: 'started', numwant: 3, offers: offers(3), peer_name: 'Alice' }))
    const resp = await a.next(isAnnounceResponse)
    assert.equal(resp.complete, 1)
    assert.equal(resp.incomplete, 1)

    // Only one other peer in X: exactly one of the three offers is relayed, to B.
    const offer = await b.next(isOffer)
    assert.equal(offer.action, 'announce')
    assert.equal(offer.info_hash, X)
    assert.equal(offer.peer_id, id('peer-a'))
    assert.equal(offer.peer_name, 'Alice')
    assert.deepEqual(offer.offer, { type: 'offer', sdp: SDP_OFFER })
    assert.ok(offers(3).some((o) => o.offer_id === offer.offer_id))
    await Promise.all([a.flush(), b.flush(), c.flush()])
    assert.equal(b.queued(isOffer).length, 0, 'B got one offer only')
    assert.equal(c.queued(isOffer).length, 0, 'C is in another swarm')
    assert.equal(a.queued(isOffer).length, 0, 'never offered to the sender')

    b.send({ action: 'announce', info_hash: X, peer_id: id('peer-b'), to_peer_id: id('peer-a'), offer_id: offer.offer_id, answer: { type: 'answer', sdp: SDP_ANSWER } })
    const answer = await a.next(isAnswer)
    assert.deepEqual(answer, {
      action: 'announce', info_hash: X, peer_id: id('peer-b'), offer_id: offer.offer_id,
      answer: { type: 'answer', sdp: SDP_ANSWER }, peer_name: 'Bob',
    })
    // bittorrent-tracker sends no announce response for an answer; neither do we.
    await b.flush()
    assert.equal(b.queued(isAnnounceResponse).length, 0)
    await Promise.all([a.close(), b.close(), c.close()])
  })

  test('offers spread over distinct peers, one offer each', async () => {
    const H = id('spread')
    const peers = await Promise.all(Array.from({ length: 6 }, () => TestClient.connect(t.wsUrl)))
    for (const [i, p] of peers.entries()) {
      p.send(announce(H, id(`sp${i}`), { event: 'started' }))
      await p.next(isAnnounceResponse)
    }
    const a = await TestClient.connect(t.wsUrl)
    a.send(announce(H, id('sp-a'), { event: 'started', numwant: 4, offers: offers(4) }))
    await a.next(isAnnounceResponse)
    await Promise.all(peers.map((p) => p.flush()))
    const got = peers.map((p) => p.queued(isOffer).length)
    assert.equal(got.reduce((x, y) => x + y, 0), 4)
    assert.ok(got.every((n) => n <= 1), `each peer gets at most one offer: ${got}`)
    const ids = new Set(peers.flatMap((p) => p.queued(isOffer).map((f) => f.offer_id)))
    assert.equal(ids.size, 4, 'each offer used once')
    await Promise.all([...peers, a].map((p) => p.close()))
  })

  test('scrape counts seeders, leechers and completions per info hash', async () => {
    const S = id('scrape-s')
    const U = id('scrape-unknown')
    const p1 = await TestClient.connect(t.wsUrl)
    const p2 = await TestClient.connect(t.wsUrl)
    const p3 = await TestClient.connect(t.wsUrl)
    p1.send(announce(S, id('s1'), { event: 'started', left: 0 }))
    p2.send(announce(S, id('s2'), { event: 'started', left: 50 }))
    p3.send(announce(S, id('s3'), { event: 'started', left: 50 }))
    await Promise.all([p1, p2, p3].map((p) => p.next(isAnnounceResponse)))
    p2.send(announce(S, id('s2'), { event: 'completed', left: 0 }))
    const r = await p2.next(isAnnounceResponse)
    assert.equal(r.complete, 2)
    assert.equal(r.incomplete, 1)

    const q = await TestClient.connect(t.wsUrl)
    q.send({ action: 'scrape', info_hash: [S, U] })
    const sc = await q.next((f) => f.action === 'scrape')
    assert.deepEqual((sc.files as Record<string, unknown>)[S], { complete: 2, incomplete: 1, downloaded: 1 })
    assert.deepEqual((sc.files as Record<string, unknown>)[U], { complete: 0, incomplete: 0, downloaded: 0 })

    // A single hash as a string, as bittorrent-tracker accepts.
    p3.send(announce(S, id('s3'), { event: 'stopped' }))
    await p3.next(isAnnounceResponse)
    q.send({ action: 'scrape', info_hash: S })
    const sc2 = await q.next((f) => f.action === 'scrape')
    assert.deepEqual(sc2.files, { [S]: { complete: 2, incomplete: 0, downloaded: 1 } })
    await Promise.all([p1, p2, p3, q].map((p) => p.close()))
  })

  test('refusals carry failure reason, plus action and info_hash when known', async () => {
    const a = await TestClient.connect(t.wsUrl)
    a.send(announce(X, 'short'))
    const f = await a.next(isFailure)
    assert.equal(f.action, 'announce')
    assert.equal(f.info_hash, X)
    assert.match(String(f['failure reason']), /peer_id/)
    a.send('not json')
    const g = await a.next(isFailure)
    assert.deepEqual(Object.keys(g), ['failure reason'])
    await a.close()
  })
})
