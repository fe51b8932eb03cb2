// When announce rounds go out: a torrent that the tracker says has peers it is not connected to
// asks again soon (leechers that start together miss some of each other in the first round),
// backing off; once connected to every peer counted, it keeps to the eager 30 s. And how many
// offers a round asks the tab's budget for: one per peer to reach, counting those being made.
import { mock, test } from 'node:test'
import assert from 'node:assert/strict'
import { SwarmConnector, type SwarmHost } from '../src/lib/engine/swarm'
import { ConnectionBudget } from '../src/lib/engine/connection-budget'
import type { TrackerHandlers, TrackerPool, TrackerSocket } from '../src/lib/engine/tracker-client'
import { Kind, type ClientMessage } from '../../shared/tracker-protocol'

/** A torrent that wants up to ten peers, connected to `connected()`. */
function fakeHost(infoHash: string, connected: () => string[] = () => []): SwarmHost {
  return {
    infoHash,
    wantPeers: () => 10,
    connectedIds: connected,
    accepts: () => true,
    attach: () => true,
    fields: () => ({ uploaded: 0, downloaded: 0, left: 100 }),
    trackerStatus: () => undefined,
    swarmCounts: () => undefined,
    seeding: () => false,
    activity: () => 0,
  }
}

/** One tracker socket: `send` sees what the swarm sends, `handlers()` what it subscribed. */
function fakeSocket(send: (m: ClientMessage) => void = () => undefined) {
  let handlers: TrackerHandlers | null = null
  const socket = {
    url: 'ws://tracker.test',
    connected: true,
    subscribe(_ih: string, h: TrackerHandlers) {
      handlers = h
      return () => undefined
    },
    send,
  }
  const pool = { get: () => socket as unknown as TrackerSocket } as unknown as TrackerPool
  return { pool, handlers: (): TrackerHandlers | null => handlers }
}

test('with peers counted and not reached, rounds come after 2, 2, 4, 8, 16 then 30 s, scraping at most every 20 s; sooner again when peers join', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] })
  mock.method(Math, 'random', () => 0.5) // no jitter
  try {
    const announces: number[] = []
    const scrapes: number[] = []
    let now = 0
    const { pool, handlers } = fakeSocket((m) => {
      if (m.kind === Kind.Announce) announces.push(now)
      if (m.kind === Kind.Scrape) scrapes.push(now)
    })
    let connected: string[] = []
    const host = fakeHost('ab'.repeat(20), () => connected)
    const budget = { request() {}, cancel() {}, admit: () => null } as unknown as ConnectionBudget
    const swarm = new SwarmConnector(host, ['ws://tracker.test'], pool, new Uint8Array(20), async () => [], budget)
    swarm.start()
    const h = handlers()
    assert.ok(h)
    // Every round is answered at once: five in the swarm, us among them (then six).
    const answer = (incomplete: number): void => h.announced({ interval: 120, complete: 1, incomplete })
    const advance = (ms: number): void => {
      now += ms
      mock.timers.tick(ms)
    }
    h.status(true, null)
    answer(4)
    for (let t = 0; t < 100_000; t += 500) {
      const n = announces.length
      advance(500)
      if (announces.length > n) answer(4)
    }
    const gaps = announces.slice(1).map((t, i) => t - announces[i]!)
    assert.deepEqual(gaps.slice(0, 7), [2000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
    assert.deepEqual(scrapes, [0, 32_000, 62_000, 92_000])

    // A new peer joins: catching up starts over at 2 s.
    const before = announces.length
    advance(30_000)
    answer(5)
    advance(2000)
    assert.equal(announces.length, before + 2, 'a round 2 s after the count grew')
    answer(5)

    // Four peers held (one of the five others unreached): no hurry, one round per 30 s.
    connected = ['01', '02', '03', '04'].map((b) => b.repeat(20))
    const at = now
    advance(2000)
    answer(5)
    const last = announces.length
    advance(29_000)
    assert.equal(announces.length, last, 'no round within 30 s while four peers are held')
    advance(1000)
    assert.equal(announces.length, last + 1)
    assert.ok(now - at > 30_000)
    swarm.stop()
  } finally {
    mock.timers.reset()
    mock.restoreAll()
  }
})

test('a torrent asks the budget for as many offers as there are peers to reach, also while its offers are still being made', () => {
  const { pool, handlers } = fakeSocket()
  // ICE servers never come: the offers granted stay "being made", as they are for a moment
  // after every grant (gathering ICE takes tens of milliseconds).
  const budget = new ConnectionBudget()
  const swarm = new SwarmConnector(fakeHost('cd'.repeat(20)), ['ws://tracker.test'], pool, new Uint8Array(20), () => new Promise<RTCIceServer[]>(() => undefined), budget)
  swarm.start()
  const h = handlers()
  assert.ok(h)
  h.status(true, null)
  // Three others in the swarm (us the fourth): three offers, not the budget's eight.
  h.announced({ interval: 120, complete: 1, incomplete: 3 })
  assert.equal(budget.pendingOffers, 3)
  // The next round's answer asks for nothing more while those three are under way.
  swarm.announce()
  h.announced({ interval: 120, complete: 1, incomplete: 3 })
  assert.equal(budget.pendingOffers, 3)
  swarm.stop()
})
