// Tracker nodes as separate processes sharing swarms through one test redis-server: what an
// operator behind a load balancer relies on. Timings are short (ANNOUNCE_INTERVAL 4 s,
// EVICTION_GRACE 2 s) so eviction is observable; assertions poll with generous deadlines.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  SDP_ANSWER, TestClient, announce, getJson, hex, id, isAnnounceResponse, isAnswer, isFailure, isOffer, offers, until,
} from './helpers'
import type { Frame } from './helpers'
import { startNodeProcess, startRedis } from './redis-helpers'
import type { NodeProcess, TestRedis } from './redis-helpers'

const INTERVAL = 4
const GRACE = 2
const LIFETIME_MS = (INTERVAL + GRACE) * 1000

const answerFrame = (ih: string, from: string, to: string, offerId: string): Frame =>
  ({ action: 'announce', info_hash: ih, peer_id: from, to_peer_id: to, offer_id: offerId, answer: { type: 'answer', sdp: SDP_ANSWER } })

async function scrape(c: TestClient, ih: string): Promise<Frame> {
  c.send({ action: 'scrape', info_hash: [ih] })
  const f = await c.next((x) => x.action === 'scrape' || isFailure(x), 5000)
  if (isFailure(f)) return f
  return (f.files as Record<string, Frame>)[ih]!
}

async function joined(url: string, ih: string, peer: string, extra: Frame = {}): Promise<[TestClient, Frame]> {
  const c = await TestClient.connect(url)
  c.send(announce(ih, peer, { event: 'started', ...extra }))
  return [c, await c.next((f) => isAnnounceResponse(f) || isFailure(f), 5000)]
}

describe('tracker cluster: node processes sharing one Redis', () => {
  let redis: TestRedis
  let A: NodeProcess
  let B: NodeProcess
  const extra: NodeProcess[] = []
  const clients: TestClient[] = []
  const env = (): Record<string, string> => ({ REDIS_URL: redis.url, ANNOUNCE_INTERVAL: String(INTERVAL), EVICTION_GRACE: String(GRACE) })
  const connect = async (url: string, ih: string, peer: string, more: Frame = {}): Promise<[TestClient, Frame]> => {
    const r = await joined(url, ih, peer, more)
    clients.push(r[0])
    return r
  }

  before(async () => {
    redis = await startRedis()
    ;[A, B] = await Promise.all([startNodeProcess(env()), startNodeProcess(env())])
  })
  after(async () => {
    await Promise.all(clients.map((c) => c.close()))
    await Promise.all([A, B, ...extra].map((n) => n?.stop()))
    await redis?.stop()
  })

  test('peers on different nodes exchange offer and answer', async () => {
    const H = id('x-offer')
    const [b] = await connect(B.wsUrl, H, id('xb'))
    const [a, r] = await connect(A.wsUrl, H, id('xa'), { offers: offers(1, 'xo'), numwant: 1 })
    assert.equal(r.incomplete, 2, 'A sees the peer on B in the swarm')
    const offer = await b.next(isOffer, 5000)
    assert.equal(offer.peer_id, id('xa'))
    b.send(answerFrame(H, id('xb'), id('xa'), offer.offer_id as string))
    const answer = await a.next(isAnswer, 5000)
    assert.equal(answer.peer_id, id('xb'))
    assert.equal(answer.offer_id, offer.offer_id)
    assert.equal((answer.answer as Frame).sdp, SDP_ANSWER)
  })

  test('offers of one announce to several peers on the other node all arrive, and every answer returns', async () => {
    // Several relays for one node in one turn travel as one batch (cluster/outbox.ts).
    const H = id('x-batch')
    const bs: TestClient[] = []
    for (let i = 0; i < 4; i++) bs.push((await connect(B.wsUrl, H, id(`bb${i}`)))[0])
    const [a] = await connect(A.wsUrl, H, id('ba'), { offers: offers(4, 'bo'), numwant: 4 })
    const got = await Promise.all(bs.map((b) => b.next(isOffer, 5000)))
    assert.equal(new Set(got.map((o) => o.offer_id)).size, 4, 'each peer on B got a different offer')
    bs.forEach((b, i) => b.send(answerFrame(H, id(`bb${i}`), id('ba'), got[i]!.offer_id as string)))
    const answers: Frame[] = []
    for (let i = 0; i < 4; i++) answers.push(await a.next(isAnswer, 5000))
    assert.deepEqual(answers.map((x) => x.peer_id).sort(), bs.map((_, i) => id(`bb${i}`)).sort())
    assert.deepEqual(answers.map((x) => x.offer_id).sort(), got.map((o) => o.offer_id).sort())
  })

  test('an unsolicited answer is not relayed across nodes', async () => {
    const H = id('x-unsolicited')
    const [b] = await connect(B.wsUrl, H, id('ub'))
    const [c] = await connect(B.wsUrl, H, id('uc'))
    const [a] = await connect(A.wsUrl, H, id('ua'))
    // No offer at all: refused on B, nothing reaches A.
    b.send(answerFrame(H, id('ub'), id('ua'), id('never-offered')))
    assert.match(String((await b.next(isFailure, 5000))['failure reason']), /no pending offer/)
    // A real offer to one peer of B: the other may not answer it, the target once only.
    a.send(announce(H, id('ua'), { offers: offers(1, 'uo'), numwant: 1, connected: [id('uc')] }))
    const offer = await b.next(isOffer, 5000)
    c.send(answerFrame(H, id('uc'), id('ua'), offer.offer_id as string))
    assert.match(String((await c.next(isFailure, 5000))['failure reason']), /no pending offer/)
    b.send(answerFrame(H, id('ub'), id('ua'), offer.offer_id as string))
    await a.next(isAnswer, 5000)
    b.send(answerFrame(H, id('ub'), id('ua'), offer.offer_id as string))
    assert.match(String((await b.next(isFailure, 5000))['failure reason']), /no pending offer/)
    await a.flush()
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(a.queued(isAnswer).length, 0, 'only the one solicited answer reached A')
  })

  test('scrape counts agree on both nodes, completions included', async () => {
    const H = id('x-scrape')
    await connect(A.wsUrl, H, id('ss'), { left: 0 })
    const [l1] = await connect(B.wsUrl, H, id('sl1'))
    await connect(B.wsUrl, H, id('sl2'))
    l1.send(announce(H, id('sl1'), { event: 'completed', left: 0 }))
    const r = await l1.next(isAnnounceResponse, 5000)
    assert.deepEqual([r.complete, r.incomplete], [2, 1])
    const [qa] = await connect(A.wsUrl, id('x-other'), id('qa'))
    const [qb] = await connect(B.wsUrl, id('x-other'), id('qb'))
    const onA = await scrape(qa, H)
    const onB = await scrape(qb, H)
    assert.deepEqual(onA, { complete: 2, incomplete: 1, downloaded: 1 })
    assert.deepEqual(onB, onA)
  })

  test('/api/stats, /api/files and /api/peers are cluster-wide on both nodes', async () => {
    const H = id('x-admin')
    // Only this test's two peers, so that the expected figures do not depend on timing.
    await Promise.all(clients.splice(0).map((c) => c.close()))
    await connect(A.wsUrl, H, id('adA'), { left: 0, file_name: 'cluster.bin', file_size: 1234 })
    await connect(B.wsUrl, H, id('adB'))
    for (const node of [A, B]) {
      let s: any
      await until(async () => {
        s = (await getJson(`${node.url}/api/stats`)).body
        return s.cluster?.nodes?.length === 2 && s.connections === clients.length && s.peers === clients.length
      }, 10_000, `cluster-wide stats on ${node.url}`)
      assert.equal(s.cluster.redis, 'up')
      const rows = s.cluster.nodes as { id: string; connections: number; lastHeartbeat: number; announcesPerSecond: number; self: boolean }[]
      assert.equal(rows.filter((n) => n.self).length, 1)
      assert.equal(rows.reduce((n, r) => n + r.connections, 0), clients.length)
      assert.ok(rows.every((n) => Date.now() - n.lastHeartbeat < 10_000 && n.announcesPerSecond >= 0))
      const files = (await getJson(`${node.url}/api/files`)).body
      const f = files.files.find((x: { infoHash: string }) => x.infoHash === hex(H))
      assert.deepEqual([f.name, f.size, f.seeders, f.leechers], ['cluster.bin', 1234, 1, 1])
      const detail = (await getJson(`${node.url}/api/files/${hex(H)}`)).body
      assert.deepEqual(detail.peers.map((p: { id: string; role: string }) => `${p.id}:${p.role}`).sort(), [`${hex(id('adA'))}:seeder`, `${hex(id('adB'))}:leecher`].sort())
      const peers = (await getJson(`${node.url}/api/peers`)).body
      assert.equal(peers.total, clients.length)
      const ids = peers.peers.map((p: { id: string }) => p.id)
      assert.ok(ids.includes(hex(id('adA'))) && ids.includes(hex(id('adB'))), 'peers of both nodes listed')
    }
  })

  test('a node killed with SIGKILL loses its peers: at once for offers to them, within interval + grace otherwise', async () => {
    const C = await startNodeProcess(env())
    extra.push(C)
    const H1 = id('x-kill-offer')
    const H2 = id('x-kill-quiet')
    await connect(C.wsUrl, H1, id('k1'))
    await connect(C.wsUrl, H2, id('k2'))
    const [w] = await connect(A.wsUrl, id('x-kill-watch'), id('kw'))
    assert.equal((await scrape(w, H2)).incomplete, 1)
    await C.kill()
    const killedAt = Date.now()
    // An offer to the dead node's peer: nobody listens on its channel, so it is dropped now.
    const [s] = await connect(A.wsUrl, H1, id('ks'), { left: 0, offers: offers(1, 'ko'), numwant: 1 })
    await until(async () => (await scrape(s, H1)).incomplete === 0, 3000, 'k1 purged on the failed relay')
    assert.ok(Date.now() - killedAt < LIFETIME_MS, 'sooner than its lifetime')
    await until(async () => (await scrape(w, H2)).incomplete === 0, LIFETIME_MS + 4000, 'k2 evicted')
    assert.ok(Date.now() - killedAt <= LIFETIME_MS + 4000)
    await until(async () => (await getJson(`${A.url}/api/stats`)).body.cluster.nodes.length === 2, 10_000, 'C off the node list')
  })

  test('Redis killed and restarted: announces fail cleanly meanwhile; afterwards a third node finds the old swarm', async () => {
    const H = id('x-redis-down')
    const D = await startNodeProcess(env())
    extra.push(D)
    const [s] = await connect(A.wsUrl, H, id('rs'), { left: 0 })
    const [l] = await connect(B.wsUrl, H, id('rl'))
    await redis.kill()
    const down = Date.now()
    await until(async () => {
      s.send(announce(H, id('rs'), { left: 0 }))
      const f = await s.next((x) => isAnnounceResponse(x) || isFailure(x), 5000)
      return isFailure(f) && f['failure reason'] === 'tracker temporarily unavailable' && f.info_hash === H
    }, 5000, 'announce refused while Redis is away')
    l.send({ action: 'scrape', info_hash: [H] })
    assert.equal((await l.next(isFailure, 5000))['failure reason'], 'tracker temporarily unavailable')
    const stats = await getJson(`${B.url}/api/stats`)
    assert.equal(stats.status, 200, 'the node is up and answers')
    assert.equal(stats.body.cluster.redis, 'unreachable')
    assert.equal((await getJson(`${B.url}/api/files`)).status, 503)
    await redis.restart()
    assert.ok(Date.now() - down < LIFETIME_MS, 'the outage stayed within a peer lifetime')
    // The new Redis is empty: only the nodes' re-registration can make the swarm whole.
    const n = await TestClient.connect(D.wsUrl)
    clients.push(n)
    let r: Frame = {}
    await until(async () => {
      n.send(announce(H, id('rn'), { offers: offers(1, 'rno'), numwant: 1 }))
      r = await n.next((f) => isAnnounceResponse(f) || isFailure(f), 5000)
      return isAnnounceResponse(r) && r.complete === 1 && r.incomplete === 2
    }, 10_000, 'the old swarm seen from a third node').catch((err: Error) => { throw new Error(`${err.message}; last reply ${JSON.stringify(r)}`) })
    // And its offer reaches one of the old peers, on A or B.
    await Promise.any([s.next(isOffer, 5000), l.next(isOffer, 5000)])
  })
})
