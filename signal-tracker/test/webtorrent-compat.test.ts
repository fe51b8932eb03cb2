// WebTorrent compatibility: the real tracker client of WebTorrent 3 (bittorrent-tracker's
// Client, WebSocketTracker, simple-peer, simple-websocket) uses our tracker unchanged. Only the
// WebRTC layer underneath is a fake (see fixtures/webrtc-hooks.mjs): signaling is what we test.

import assert from 'node:assert/strict'
import { EventEmitter, once } from 'node:events'
import { register } from 'node:module'
import { after, before, test } from 'node:test'
import { startTracker } from './helpers'
import type { Running } from './helpers'

register('./fixtures/webrtc-hooks.mjs', import.meta.url)

interface TrackerClient extends EventEmitter {
  start(): void
  stop(): void
  complete(): void
  scrape(): void
  destroy(cb?: () => void): void
}
type ClientCtor = new (opts: Record<string, unknown>) => TrackerClient

let t: Running
let Client: ClientCtor
before(async () => {
  t = await startTracker()
  // Imported only after the hook is registered. (A non-literal specifier: no types shipped.)
  const spec: string = 'bittorrent-tracker'
  Client = ((await import(spec)) as { default: ClientCtor }).default
})
after(async () => { await t.close() })

const INFO_HASH = 'aa'.repeat(10) + '0123456789abcdef0123'
const PEER_A = '2d5757303030312d' + '11'.repeat(12)
const PEER_B = '2d5757303030312d' + 'e2'.repeat(12)

test('a WebTorrent tracker client announces, gets offers and answers relayed, and scrapes', async () => {
  // Different URLs so the two clients do not share one pooled socket, as two tabs would not.
  const a = new Client({ infoHash: INFO_HASH, peerId: PEER_A, announce: [`${t.wsUrl}?tab=a`], port: 6881 })
  const b = new Client({ infoHash: INFO_HASH, peerId: PEER_B, announce: [`${t.wsUrl}?tab=b`], port: 6882 })
  const warnings: unknown[] = []
  for (const c of [a, b]) {
    c.on('warning', (w) => warnings.push(w))
    c.on('error', (e) => warnings.push(e))
  }
  try {
    const aUpdate = once(a, 'update')
    a.start()
    const [ua] = (await aUpdate) as [{ complete: number; incomplete: number; infoHash: string }]
    assert.equal(ua.infoHash, INFO_HASH)
    assert.equal(ua.incomplete, 1)

    // B's offers reach A; A's simple-peer answers; the answer reaches B.
    const aPeer = once(a, 'peer')
    const bPeer = once(b, 'peer')
    b.start()
    const [[pa], [pb]] = (await Promise.all([aPeer, bPeer])) as [[{ id: string }], [{ id: string }]]
    assert.equal(pa.id, PEER_B, 'A got an offer from B')
    assert.equal(pb.id, PEER_A, 'B got the answer from A')

    const scraped = once(b, 'scrape')
    b.scrape()
    const [sc] = (await scraped) as [{ complete: number; incomplete: number; downloaded: number }]
    assert.deepEqual([sc.complete, sc.incomplete], [0, 2])

    const aDone = once(a, 'update')
    a.complete()
    await aDone
    const scraped2 = once(b, 'scrape')
    b.scrape()
    const [sc2] = (await scraped2) as [{ complete: number; incomplete: number; downloaded: number }]
    assert.deepEqual([sc2.complete, sc2.incomplete, sc2.downloaded], [1, 1, 1])
    assert.deepEqual(warnings, [])
  } finally {
    await Promise.all([a, b].map((c) => new Promise<void>((r) => c.destroy(() => r()))))
  }
})
