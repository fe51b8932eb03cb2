// The seeder's choice of which queued request to serve: least-sent blocks first across peers,
// but never starving a peer that asks again for a block it was already sent (a stream that
// seeked away and back).
import { afterEach, test } from 'node:test'
import assert from 'node:assert/strict'
import { Peer } from '../src/lib/engine/peer'
import { TokenBucket } from '../src/lib/engine/rate'
import { Uploader } from '../src/lib/engine/uploader'
import { connect, destroyAll, makeNode, makeTorrent } from './engine-harness'
import type { WireSession } from '../src/lib/engine/wire-session'

const BLOCK = 16384

afterEach(destroyAll)

function fakePeer(id: string, log: string[]): Peer & { session: { congested: boolean } } {
  const session = {
    isClosed: false,
    congested: false,
    send() {},
    sendPiece(index: number, begin: number) {
      log.push(`${id}:${index}/${begin / BLOCK}`)
    },
  }
  const peer = new Peer(id, id, session as unknown as WireSession)
  peer.amChoking = false
  return peer as Peer & { session: { congested: boolean } }
}

function uploader(): Uploader {
  return new Uploader({
    hasPiece: () => true,
    blocksPerPiece: () => 4,
    pieceCount: () => 8,
    upLimit: new TokenBucket(0),
    pieceLength: () => 4 * BLOCK,
    readPiece: async () => new Uint8Array(4 * BLOCK),
    uploaded: () => {},
  })
}

/** Queues `blocks` ([piece, block]) while the channel is congested, then lets them all go. */
async function serve(up: Uploader, peer: Peer & { session: { congested: boolean } }, blocks: [number, number][]): Promise<void> {
  peer.session.congested = true
  for (const [index, block] of blocks) up.onRequest(peer, { index, begin: block * BLOCK, length: BLOCK })
  peer.session.congested = false
  await up.pump(peer)
}

test('a block already sent to another peer waits behind fresh ones', async () => {
  const log: string[] = []
  const up = uploader()
  const a = fakePeer('a', log)
  const b = fakePeer('b', log)
  await serve(up, a, [[0, 0]])
  await serve(up, b, [[0, 0], [1, 0], [1, 1]])
  assert.deepEqual(log, ['a:0/0', 'b:1/0', 'b:1/1', 'b:0/0'])
})

test('a peer asking again for a block it was sent is served in order, not starved by fresh blocks', async () => {
  const log: string[] = []
  const up = uploader()
  const a = fakePeer('a', log)
  await serve(up, a, [[3, 2]])
  await serve(up, a, [[3, 2], [4, 0], [4, 1], [5, 0]])
  assert.deepEqual(log, ['a:3/2', 'a:3/2', 'a:4/0', 'a:4/1', 'a:5/0'])
})

test('blocks sent to a peer that has left count as fresh again', async () => {
  const log: string[] = []
  const up = uploader()
  const a = fakePeer('a', log)
  const b = fakePeer('b', log)
  await serve(up, a, [[0, 0]])
  up.forget(a)
  // Without the forget, 0/0 would go last (sent once, to another peer).
  await serve(up, b, [[0, 0], [1, 0], [1, 1]])
  assert.deepEqual(log, ['a:0/0', 'b:0/0', 'b:1/0', 'b:1/1'])
})

test('a capped seeder shares its upload evenly among the peers downloading from it', async () => {
  const { info, store, full } = await makeTorrent(512 * BLOCK, BLOCK)
  const seeder = makeNode(info.infoHash, info, full, store, { upLimit: 1024 * 1024 })
  const leechers = [0, 1, 2, 3].map(() => makeNode(info.infoHash, info, null))
  for (const l of leechers) connect(seeder, l, 5)
  await new Promise((r) => setTimeout(r, 3000))
  const got = leechers.map((l) => l.torrent.downloaded)
  const share = got.reduce((a, b) => a + b) / got.length
  // With a timer per peer racing for the refilled tokens, one got 2.5 MiB and another 0.3 MiB.
  for (const g of got) assert.ok(g > 0.7 * share && g < 1.3 * share, `each leecher got its share (KiB: ${got.map((b) => b >> 10).join(', ')})`)
  assert.ok(share * got.length < 3.6 * 1024 * 1024, `the cap held (${share * got.length} B in 3 s at 1 MiB/s)`)
})

test('waiting at the limit: turns go in order, take() does not jump the line, lifting the limit lets everyone go', async () => {
  const bucket = new TokenBucket()
  bucket.setLimit(10 * BLOCK) // starts empty: a block every 100 ms
  const start = Date.now()
  const order: string[] = []
  for (const id of ['a', 'b', 'c']) bucket.queue(BLOCK, () => order.push(id) && bucket.take(BLOCK))
  assert.ok(bucket.take(BLOCK) > 0, 'a newcomer waits behind the queue')
  while (order.length < 3) await new Promise((r) => setTimeout(r, 5))
  assert.deepEqual(order, ['a', 'b', 'c'])
  assert.ok(Date.now() - start >= 290, `three blocks at ten a second took ${Date.now() - start} ms`)
  const leave = bucket.queue(BLOCK, () => order.push('gone'))
  bucket.queue(BLOCK, () => order.push('d'))
  leave()
  bucket.setLimit(0)
  assert.deepEqual(order, ['a', 'b', 'c', 'd'])
})
