// Every hardening rule, each with a test that tries to break it (DESIGN.md "Tracker rules").
// A suite run against a tracker started by `start`: hardening.test.ts runs it in memory,
// cluster-hardening.test.ts against a node of a Redis cluster.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { MAX_FRAME_BYTES, MAX_OFFERS, MAX_SCRAPE_HASHES, MAX_SDP_LENGTH } from '../../shared/tracker-protocol'
import {
  SDP_ANSWER, TestClient, announce, getJson, id, isAnnounceResponse, isAnswer, isFailure, isOffer, offers, sleep, until,
} from './helpers'
import type { Frame, Running } from './helpers'
import type { TrackerOptions } from '../server'

export type StartTracker = (opts: TrackerOptions) => Promise<Running>

const reason = (f: Frame): string => String(f['failure reason'])
const H = id('hard-swarm')

/** Two peers in H: `a` (offerer-to-be) and `b`, both announced. */
async function pair(t: Running): Promise<[TestClient, TestClient]> {
  const a = await TestClient.connect(t.wsUrl)
  const b = await TestClient.connect(t.wsUrl)
  b.send(announce(H, id('b'), { event: 'started' }))
  await b.next(isAnnounceResponse)
  a.send(announce(H, id('a'), { event: 'started' }))
  await a.next(isAnnounceResponse)
  return [a, b]
}

const answerFrame = (from: string, to: string, offerId: string, infoHash = H): Frame =>
  ({ action: 'announce', info_hash: infoHash, peer_id: from, to_peer_id: to, offer_id: offerId, answer: { type: 'answer', sdp: SDP_ANSWER } })

export function hardeningSuite(name: string, startTracker: StartTracker): void {
async function withTracker(opts: TrackerOptions, fn: (t: Running) => Promise<void>): Promise<void> {
  const t = await startTracker(opts)
  try { await fn(t) } finally { await t.close() }
}

describe(name, () => {
  test('a peer_id belongs to the socket that used it first', () => withTracker({}, async (t) => {
    const [a, b] = await pair(t)
    const thief = await TestClient.connect(t.wsUrl)
    // Announce, stop and answer in A's name from another socket: all refused.
    thief.send(announce(H, id('a'), { event: 'completed', left: 0 }))
    assert.match(reason(await thief.next(isFailure)), /another connection/)
    thief.send(announce(H, id('a'), { event: 'stopped' }))
    assert.match(reason(await thief.next(isFailure)), /another connection/)
    thief.send(answerFrame(id('a'), id('b'), id('o0')))
    assert.match(reason(await thief.next(isFailure)), /another connection/)
    const stats = t.tracker.stats()
    assert.equal(stats.leechers, 2, 'A is still a leecher in H')
    assert.equal(stats.refusals.peer_id_taken, 3)
    // Once A's socket is gone its id is free again.
    await a.close()
    await until(() => t.tracker.stats().peers === 1, 2000, 'A removed')
    thief.send(announce(H, id('a'), { event: 'started' }))
    assert.equal((await thief.next(isAnnounceResponse)).incomplete, 2)
    await Promise.all([b.close(), thief.close()])
  }))

  test('answers are relayed only for pending offers to the answerer, once, before expiry', () => withTracker({ offerTtlMs: 300 }, async (t) => {
    const [a, b] = await pair(t)
    const c = await TestClient.connect(t.wsUrl)
    c.send(announce(H, id('c'), { event: 'started' }))
    await c.next(isAnnounceResponse)
    // No offer at all yet.
    b.send(answerFrame(id('b'), id('a'), id('o0')))
    assert.match(reason(await b.next(isFailure)), /no pending offer/)
    // A offers to one peer; whoever got it may answer once; the other may not.
    a.send(announce(H, id('a'), { offers: offers(1), numwant: 1 }))
    await a.next(isAnnounceResponse)
    await Promise.all([b.flush(), c.flush()])
    const [target, other, targetId, otherId] = b.queued(isOffer).length ? [b, c, id('b'), id('c')] : [c, b, id('c'), id('b')]
    const offer = await target.next(isOffer)
    other.send(answerFrame(otherId, id('a'), offer.offer_id as string))
    assert.match(reason(await other.next(isFailure)), /no pending offer/)
    target.send(answerFrame(targetId, id('a'), id('o-wrong')))
    assert.match(reason(await target.next(isFailure)), /no pending offer/)
    target.send(answerFrame(targetId, id('a'), offer.offer_id as string, id('other-swarm')))
    assert.match(reason(await target.next(isFailure)), /no pending offer/)
    target.send(answerFrame(targetId, id('a'), offer.offer_id as string))
    await a.next(isAnswer)
    target.send(answerFrame(targetId, id('a'), offer.offer_id as string))
    assert.match(reason(await target.next(isFailure)), /no pending offer/, 'second answer to one offer')
    // An offer left unanswered past its TTL can no longer be answered.
    a.send(announce(H, id('a'), { offers: offers(2, 'late'), numwant: 2 }))
    await a.next(isAnnounceResponse)
    const late = await b.next(isOffer)
    await sleep(450)
    b.send(answerFrame(id('b'), id('a'), late.offer_id as string))
    assert.match(reason(await b.next(isFailure)), /no pending offer/)
    await a.flush()
    assert.equal(a.queued(isAnswer).length, 0, 'no refused answer reached A')
    assert.equal(t.tracker.stats().refusals.no_pending_offer, 6)
    await Promise.all([a.close(), b.close(), c.close()])
  }))

  test('frames over 64 KiB are refused; far larger ones cut the connection', () => withTracker({}, async (t) => {
    const a = await TestClient.connect(t.wsUrl)
    a.send(JSON.stringify(announce(H, id('big'), { pad: 'x'.repeat(MAX_FRAME_BYTES) })))
    assert.match(reason(await a.next(isFailure)), /larger than 65536/)
    a.send(announce(H, id('big'), { pad: 'x'.repeat(MAX_FRAME_BYTES - 200) }))
    await a.next(isAnnounceResponse)
    const closed = new Promise<number>((r) => a.ws.once('close', (code) => r(code)))
    a.send('x'.repeat(5 * MAX_FRAME_BYTES))
    assert.equal(await closed, 1009)
    assert.equal(t.tracker.stats().refusals.frame_too_large, 1)
  }))

  test(`at most ${MAX_OFFERS} offers per announce and SDPs of at most ${MAX_SDP_LENGTH} chars`, () => withTracker({}, async (t) => {
    const [a, b] = await pair(t)
    a.send(announce(H, id('a'), { offers: offers(MAX_OFFERS + 1), numwant: MAX_OFFERS + 1 }))
    assert.match(reason(await a.next(isFailure)), /too many offers/)
    a.send(announce(H, id('a'), { offers: [{ offer_id: id('o'), offer: { type: 'offer', sdp: 'x'.repeat(MAX_SDP_LENGTH + 1) } }], numwant: 1 }))
    assert.match(reason(await a.next(isFailure)), /sdp longer/)
    a.send(announce(H, id('a'), { offers: offers(MAX_OFFERS), numwant: MAX_OFFERS }))
    await a.next(isAnnounceResponse)
    await b.next(isOffer)
    // The answer's SDP is capped too.
    b.send({ ...answerFrame(id('b'), id('a'), id('o0')), answer: { type: 'answer', sdp: 'y'.repeat(MAX_SDP_LENGTH + 1) } })
    assert.match(reason(await b.next(isFailure)), /sdp longer/)
    await Promise.all([a.close(), b.close()])
  }))

  test(`scrape: at most ${MAX_SCRAPE_HASHES} hashes, and no hash does not dump the tracker`, () => withTracker({}, async (t) => {
    const [a, b] = await pair(t)
    const hashes = Array.from({ length: MAX_SCRAPE_HASHES + 1 }, (_, i) => id(`h${i}`))
    a.send({ action: 'scrape', info_hash: hashes })
    assert.match(reason(await a.next(isFailure)), /at most 255/)
    a.send({ action: 'scrape', info_hash: hashes.slice(1) })
    const ok = await a.next((f) => f.action === 'scrape' && !isFailure(f))
    assert.equal(Object.keys(ok.files as object).length, MAX_SCRAPE_HASHES)
    a.send({ action: 'scrape' })
    const f = await a.next(isFailure)
    assert.match(reason(f), /needs info_hash/)
    assert.equal(f.files, undefined)
    a.send({ action: 'scrape', info_hash: [] })
    assert.match(reason(await a.next(isFailure)), /needs info_hash/)
    await Promise.all([a.close(), b.close()])
  }))

  test('per-connection rate limit refuses the excess and recovers', () => withTracker({ rateLimit: { perSecond: 10, burst: 5 } }, async (t) => {
    const a = await TestClient.connect(t.wsUrl)
    const other = await TestClient.connect(t.wsUrl)
    for (let i = 0; i < 40; i++) a.send({ action: 'scrape', info_hash: H })
    await a.flush()
    await until(() => a.received.length >= 40, 2000, 'all answers')
    const refused = a.queued(isFailure)
    assert.ok(refused.length >= 30, `most frames refused (${refused.length})`)
    assert.ok(refused.every((f) => /rate limit/.test(reason(f))))
    assert.ok(t.tracker.stats().refusals.rate_limited >= 30)
    // Another connection is not affected.
    other.send({ action: 'scrape', info_hash: H })
    assert.equal((await other.next()).action, 'scrape')
    await sleep(300)
    a.received.length = 0
    a.send({ action: 'scrape', info_hash: H })
    assert.equal((await a.next()).action, 'scrape', 'tokens refill')
    await Promise.all([a.close(), other.close()])
  }))

  test('connections per IP are capped (every test peer is 127.0.0.1)', () => withTracker({ maxConnPerIp: 3 }, async (t) => {
    const ok = await Promise.all([1, 2, 3].map(() => TestClient.connect(t.wsUrl)))
    const fourth = await TestClient.connect(t.wsUrl)
    const closed = new Promise<number>((r) => fourth.ws.once('close', (code) => r(code)))
    assert.match(reason(await fourth.next(isFailure)), /too many connections/)
    assert.equal(await closed, 1008)
    assert.equal(t.tracker.stats().refusals.connection_limit, 1)
    await ok[0]!.close()
    await until(() => t.tracker.stats().connections === 2, 2000, 'slot freed')
    const again = await TestClient.connect(t.wsUrl)
    again.send({ action: 'scrape', info_hash: H })
    assert.equal((await again.next()).action, 'scrape')
    await Promise.all([...ok, again].map((c) => c.close()))
  }))

  test('binary frames, bad JSON, wrong types and unknown actions are refused and counted', () => withTracker({}, async (t) => {
    const a = await TestClient.connect(t.wsUrl)
    const bad: (string | Buffer)[] = [
      Buffer.from([1, 2, 3]), '{', '[]', '42', 'null', '{"action":"flood"}', '{}',
      JSON.stringify(announce(H, id('p'), { uploaded: -1 })),
      JSON.stringify(announce(H, id('p'), { left: 1e300 })),
      JSON.stringify(announce(H, id('p'), { event: 'exploded' })),
      JSON.stringify(announce(H, id('p'), { offers: 'many' })),
      JSON.stringify(announce(H, id('p'), { peer_name: 7 })),
      JSON.stringify(announce(H, id('p'), { connected: ['short'] })),
      JSON.stringify(announce(H + 'x', id('p'))),
      JSON.stringify(announce(H, '\u0100'.repeat(20))),
      JSON.stringify({ action: 'scrape', info_hash: 5 }),
    ]
    for (const f of bad) a.ws.send(f)
    for (let i = 0; i < bad.length; i++) await a.next(isFailure)
    const s = t.tracker.stats()
    assert.equal(s.badFrames, bad.length)
    assert.equal(s.refusals.binary_frame, 1)
    assert.equal(s.refusals.malformed, bad.length - 1)
    assert.equal(s.peers, 0, 'no refused frame registered anything')
    await a.close()
  }))

  test('peer ids per connection and torrents per peer are bounded', () => withTracker({ maxPeerIdsPerConnection: 2, maxTorrentsPerPeer: 3 }, async (t) => {
    const a = await TestClient.connect(t.wsUrl)
    for (const p of ['p1', 'p2']) {
      a.send(announce(H, id(p)))
      await a.next(isAnnounceResponse)
    }
    a.send(announce(H, id('p3')))
    assert.match(reason(await a.next(isFailure)), /at most 2 peer ids/)
    for (const h of ['t1', 't2']) {
      a.send(announce(id(h), id('p1')))
      await a.next(isAnnounceResponse)
    }
    a.send(announce(id('t3'), id('p1')))
    assert.match(reason(await a.next(isFailure)), /at most 3 torrents/)
    await a.close()
  }))

  test('display names are capped, control characters stripped', () => withTracker({}, async (t) => {
    const a = await TestClient.connect(t.wsUrl)
    a.send(announce(H, id('named'), { peer_name: 'Zoë\u0000\u001b' + 'z'.repeat(500), file_name: 'f'.repeat(1000) }))
    await a.next(isAnnounceResponse)
    const { body } = await getJson(`${t.url}/api/peers`)
    assert.equal(body.peers[0].name, 'Zoë' + 'z'.repeat(61))
    const files = await getJson(`${t.url}/api/files`)
    assert.equal(files.body.files[0].name.length, 255)
    await a.close()
  }))

  test('offers never go to the sender nor to peers it says it is connected to', () => withTracker({}, async (t) => {
    const peers = await Promise.all([0, 1, 2, 3].map(() => TestClient.connect(t.wsUrl)))
    for (const [i, p] of peers.entries()) {
      p.send(announce(H, id(`c${i}`)))
      await p.next(isAnnounceResponse)
    }
    const [sender, ...rest] = peers as [TestClient, ...TestClient[]]
    for (let round = 0; round < 20; round++) {
      sender.send(announce(H, id('c0'), { offers: offers(3), numwant: 3, connected: [id('c1'), id('c2')] }))
      await sender.next(isAnnounceResponse)
    }
    await Promise.all(peers.map((p) => p.flush()))
    assert.equal(sender.queued(isOffer).length, 0)
    assert.equal(rest[0]!.queued(isOffer).length, 0)
    assert.equal(rest[1]!.queued(isOffer).length, 0)
    assert.equal(rest[2]!.queued(isOffer).length, 20, 'the only eligible peer gets one offer per announce')
    await Promise.all(peers.map((p) => p.close()))
  }))

  test("a seeder's offers go to leechers, never to other seeders", () => withTracker({}, async (t) => {
    const peers = await Promise.all([0, 1, 2].map(() => TestClient.connect(t.wsUrl)))
    const [seeder, otherSeeder, leecher] = peers as [TestClient, TestClient, TestClient]
    otherSeeder.send(announce(H, id('s1'), { event: 'completed', left: 0 }))
    await otherSeeder.next(isAnnounceResponse)
    leecher.send(announce(H, id('l1')))
    await leecher.next(isAnnounceResponse)
    for (let round = 0; round < 10; round++) {
      seeder.send(announce(H, id('s0'), { left: 0, offers: offers(2), numwant: 2 }))
      await seeder.next(isAnnounceResponse)
    }
    // A leecher's offers still reach seeders.
    leecher.send(announce(H, id('l1'), { offers: offers(2), numwant: 2 }))
    await leecher.next(isAnnounceResponse)
    await Promise.all(peers.map((p) => p.flush()))
    assert.equal(otherSeeder.queued(isOffer).filter((f) => f.peer_id === id('s0')).length, 0)
    assert.equal(leecher.queued(isOffer).length, 10, 'one offer per announce: the only leecher')
    assert.equal(seeder.queued(isOffer).length + otherSeeder.queued(isOffer).length, 2, "the leecher's two offers reach both seeders")
    await Promise.all(peers.map((p) => p.close()))
  }))

  test('a consumer that stops reading is cut off instead of buffering without bound', () => withTracker({ maxBufferedBytes: 64 * 1024, rateLimit: false }, async (t) => {
    const a = await TestClient.connect(t.wsUrl)
    const raw = (a.ws as unknown as { _socket: { pause(): void } })._socket
    raw.pause()
    const hashes = Array.from({ length: MAX_SCRAPE_HASHES }, (_, i) => id(`slow${i}`))
    const frame = JSON.stringify({ action: 'scrape', info_hash: hashes })
    for (let i = 0; i < 2000 && t.tracker.stats().refusals.slow_consumer === 0; i++) {
      a.ws.send(frame)
      if (i % 50 === 49) await sleep(5)
    }
    await until(() => t.tracker.stats().refusals.slow_consumer === 1, 5000, 'slow consumer cut')
    assert.equal(t.tracker.stats().connections, 0)
    a.ws.terminate()
  }))
})
}
