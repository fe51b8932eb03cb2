// Fuzz: 100,000+ random and mutated frames at a running tracker. Afterwards it must answer a
// well-formed announce correctly, its heap must be back within 10% of where it started, and
// every legitimate peer must still have its entry. FUZZ_SEED=<n> replays a run.

import assert from 'node:assert/strict'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { test } from 'node:test'
import { MAX_FRAME_BYTES } from '../../shared/tracker-protocol'
import { SDP_ANSWER, TestClient, announce, getJson, id, isAnnounceResponse, isAnswer, isOffer, offers, sleep, startTracker, until } from './helpers'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const FRAMES = 100_000
const FUZZERS = 4
const BATCH = 400
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))

/** mulberry32: small, fast, seedable. */
function rng(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = rng(seed)
const int = (n: number): number => Math.floor(rand() * n)
const pickOne = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
const randStr = (n: number, max = 0x10ffff): string => {
  let s = ''
  for (let i = 0; i < n; i++) {
    const c = int(Math.min(max, 0xffff) + 1)
    s += c >= 0xd800 && c <= 0xdfff ? 'x' : String.fromCharCode(c)
  }
  return s
}

const LEGIT_SWARMS = [id('legit-one'), id('legit-two')]
const LEGIT_IDS = Array.from({ length: 6 }, (_, i) => id(`legit-peer-${i}`))

const nasty = (): unknown => pickOne<() => unknown>([
  () => 1e308, () => -1, () => 2 ** 64, () => -0, () => 0.5, () => Number.MAX_SAFE_INTEGER + 2, () => 'NaN', () => '',
  () => [], () => ({}), () => null, () => true, () => randStr(19, 255), () => randStr(21, 255), () => randStr(20),
  () => randStr(20, 255), () => randStr(int(3000)), () => Array(int(300)).fill(randStr(20, 255)),
  () => JSON.parse('['.repeat(500) + ']'.repeat(500)), () => ({ __proto__: { polluted: true }, type: 'offer', sdp: 'x' }),
  () => ({ type: 'offer', sdp: randStr(int(20000), 127) }), () => ({ type: 'answer', sdp: 1 }),
  () => pickOne(LEGIT_IDS), () => pickOne(LEGIT_SWARMS),
])()

function template(): Record<string, unknown> {
  const ih = rand() < 0.5 ? pickOne(LEGIT_SWARMS) : randStr(20, 255)
  const pid = rand() < 0.2 ? pickOne(LEGIT_IDS) : randStr(20, 255)
  switch (int(4)) {
    case 0: return announce(ih, pid, {
      event: pickOne(['started', 'stopped', 'completed', 'update', undefined]), left: int(3) === 0 ? 0 : int(1e6),
      numwant: int(12), offers: offers(int(12), randStr(3, 255)), peer_name: randStr(int(100)), file_name: randStr(int(300)),
      file_size: int(1e9), connected: rand() < 0.3 ? LEGIT_IDS.slice(0, int(6)) : undefined,
    })
    case 1: return { action: 'announce', info_hash: ih, peer_id: pid, to_peer_id: pickOne(LEGIT_IDS), offer_id: randStr(20, 255), answer: { type: 'answer', sdp: SDP_ANSWER } }
    case 2: return { action: 'scrape', info_hash: rand() < 0.5 ? ih : Array.from({ length: int(300) }, () => randStr(20, 255)) }
    default: return { action: pickOne(['connect', 'ANNOUNCE', 'dump', '', 'scrape ', randStr(5)]), info_hash: ih }
  }
}

function mutateText(s: string): string {
  const ops = 1 + int(4)
  for (let i = 0; i < ops; i++) {
    const at = int(s.length + 1)
    switch (int(5)) {
      case 0: s = s.slice(0, at) + randStr(1 + int(4)) + s.slice(at + 1); break
      case 1: s = s.slice(0, at) + s.slice(at + 1 + int(20)); break
      case 2: s = s.slice(0, at) + pickOne(['{', '}', '[', ']', '"', ',', ':', '\\', 'null', '1e999']) + s.slice(at); break
      case 3: s = s.slice(0, at); break
      default: s = s + s.slice(at, at + int(200))
    }
  }
  return s
}

/** One fuzz frame: a string or a binary Buffer. */
function frame(): string | Buffer {
  const r = rand()
  if (r < 0.05) return Buffer.from(Array.from({ length: int(200) }, () => int(256)))
  if (r < 0.06) return JSON.stringify(template()) + ' '.repeat(MAX_FRAME_BYTES)
  if (r < 0.12) return randStr(int(200))
  if (r < 0.18) return JSON.stringify(pickOne([nasty(), [template()], 'announce', 42]))
  const t = template()
  if (r < 0.55) {
    const keys = Object.keys(t)
    for (let i = 1 + int(3); i > 0; i--) t[rand() < 0.8 ? pickOne(keys) : randStr(int(10), 127)] = nasty()
    return JSON.stringify(t)
  }
  if (r < 0.85) return mutateText(JSON.stringify(t))
  return JSON.stringify(t) // well-formed: the paths past the decoder get exercised too
}

test(`fuzz: ${FRAMES} random and mutated frames (seed ${seed})`, { timeout: 180_000 }, async () => {
  const t = await startTracker({ rateLimit: { perSecond: 1e6, burst: 1e6 } })
  const legit: TestClient[] = []
  try {
    for (const [i, pid] of LEGIT_IDS.entries()) {
      const c = await TestClient.connect(t.wsUrl)
      c.send(announce(LEGIT_SWARMS[i % 2]!, pid, { event: 'started', left: i < 2 ? 0 : 500, peer_name: `legit ${i}` }))
      await c.next(isAnnounceResponse)
      legit.push(c)
    }
    const peersBefore = (await getJson(`${t.url}/api/peers`)).body.peers
    const fuzzRound = async (frames: number): Promise<number> => {
      const clients = await Promise.all(Array.from({ length: FUZZERS }, () => TestClient.connect(t.wsUrl)))
      let sent = 0
      let reconnects = 0
      while (sent < frames) {
        for (const [k, c] of clients.entries()) {
          if (c.closed) {
            reconnects++
            clients[k] = await TestClient.connect(t.wsUrl)
          }
          const cl = clients[k]!
          for (let i = 0; i < BATCH && sent < frames; i++, sent++) cl.ws.send(frame())
          cl.received.length = 0
        }
        // Legit peers get the fuzzers' well-formed offers; nobody reads them.
        for (const c of legit) c.received.length = 0
        // Pace on the tracker: a pong means every frame before the ping was handled.
        await Promise.all(clients.filter((c) => !c.closed).map((c) => Promise.race([c.flush(), sleep(5000)])))
      }
      await Promise.all(clients.map((c) => c.close()))
      return reconnects
    }

    // Warm-up so JIT code and lazily built structures count in the baseline, not as growth.
    await fuzzRound(5_000)
    await until(() => t.tracker.stats().connections === legit.length, 5000, 'warm-up fuzzers gone')
    for (const c of legit) c.received.length = 0
    gc(); gc()
    const heapBefore = process.memoryUsage().heapUsed
    const before = t.tracker.stats()

    const reconnects = await fuzzRound(FRAMES)
    await until(() => t.tracker.stats().connections === legit.length, 5000, 'fuzzers gone')
    const after = t.tracker.stats()
    const handled = after.announces - before.announces + after.scrapes - before.scrapes + after.badFrames - before.badFrames
    assert.ok(handled >= FRAMES * 0.95, `seed ${seed}: ${handled} of ${FRAMES} frames answered (reconnects ${reconnects})`)
    assert.ok(after.refusals.rate_limited - before.refusals.rate_limited < FRAMES * 0.01, 'the frames reached the decoder')
    assert.ok(after.badFrames - before.badFrames > FRAMES / 2, 'most frames were junk, and refused')

    // Every legitimate peer still has its entry, untouched.
    const peersAfter = (await getJson(`${t.url}/api/peers`)).body.peers
    // A torrent's catalogue name may come from any announcer (a fuzzer too); the peer's own
    // entry is what must not change: its name and its torrents, roles and byte counts.
    type P = { id: string; name: string; torrents: { name?: unknown }[] }
    const strip = (ps: P[]) => ps
      .map(({ id: pid, name, torrents }) => ({ pid, name, torrents: torrents.map(({ name: _n, ...rest }) => rest) }))
      .sort((a, b) => a.pid.localeCompare(b.pid))
    assert.deepEqual(strip(peersAfter), strip(peersBefore), `seed ${seed}: legit peers changed`)
    assert.equal(after.peers, LEGIT_IDS.length)
    assert.equal(after.torrents, LEGIT_SWARMS.length)

    // A well-formed announce is answered correctly, and signaling between legit peers works.
    await Promise.all(legit.map((c) => c.flush()))
    for (const c of legit) c.received.length = 0
    const fresh = await TestClient.connect(t.wsUrl)
    fresh.send(announce(LEGIT_SWARMS[0]!, id('fresh-peer'), { event: 'started', left: 1, offers: offers(1), numwant: 1 }))
    const resp = await fresh.next(isAnnounceResponse)
    assert.deepEqual([resp.complete, resp.incomplete, resp.interval], [1, 3, 120], `seed ${seed}`)
    // The offer was written before the response; a ping round trip makes sure it has arrived.
    await Promise.all(legit.map((c) => c.flush()))
    const receivers = legit.filter((c) => c.received.some(isOffer))
    assert.equal(receivers.length, 1, `seed ${seed}: one legit peer got the offer`)
    const receiver = receivers[0]!
    const offer = await receiver.next(isOffer)
    const rid = LEGIT_IDS[legit.indexOf(receiver)]!
    receiver.send({ action: 'announce', info_hash: LEGIT_SWARMS[0], peer_id: rid, to_peer_id: id('fresh-peer'), offer_id: offer.offer_id, answer: { type: 'answer', sdp: SDP_ANSWER } })
    assert.equal((await fresh.next(isAnswer)).peer_id, rid)
    await fresh.close()
    await until(() => t.tracker.stats().connections === legit.length, 5000, 'fresh gone')

    for (const c of legit) c.received.length = 0
    await sleep(50)
    gc(); gc()
    const heapAfter = process.memoryUsage().heapUsed
    const growth = heapAfter / heapBefore - 1
    console.log(`fuzz seed ${seed}: ${handled} frames answered, heap ${(heapBefore / 1048576).toFixed(1)} -> ${(heapAfter / 1048576).toFixed(1)} MiB (${(growth * 100).toFixed(1)}%), rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`)
    assert.ok(growth < 0.10, `seed ${seed}: heap grew ${(growth * 100).toFixed(1)}%`)
  } finally {
    await Promise.all(legit.map((c) => c.close()))
    await t.close()
  }
})
