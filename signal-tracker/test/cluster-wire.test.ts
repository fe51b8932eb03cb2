// The node-channel batch format (cluster/outbox.ts sends several relays in one publish): what
// goes in comes out whole, and a damaged batch keeps its good parts and flags the rest.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeMessage, decodeRoute, encodeBatch, encodeMessage, encodeRoute, splitBatch } from '../cluster/wire'
import { decodeAnnounceReply, decodeRouteHead, encodeAnnounce } from '../cluster/announce-wire'
import type { NodeMessage } from '../cluster/wire'

const H = (c: string): string => c.repeat(40)
const offer: NodeMessage = { kind: 'offer', to: H('a'), conn: 7, fromNode: 'n1', from: H('b'), offerId: H('c'), ih: H('d'), frame: '{"sdp":"v=0\\r\\nx"}' }
const answer: NodeMessage = { kind: 'answer', to: H('b'), fromNode: 'n2', from: H('a'), offerId: H('c'), ih: H('d'), frame: '{"answer":1}\n' }
const refused: NodeMessage = { kind: 'refused', to: H('e'), ih: H('f') }

test('a batch decodes into its messages, in order, frames intact', () => {
  const parts = splitBatch(encodeBatch([offer, answer, refused].map(encodeMessage)))
  assert.deepEqual(parts.map(decodeMessage), [offer, answer, refused])
})

test('a single message is not a batch', () => {
  assert.deepEqual(splitBatch(encodeMessage(offer)).map(decodeMessage), [offer])
})

test('a truncated or garbled batch keeps the parts before the damage and yields one bad part', () => {
  const whole = encodeBatch([offer, answer].map(encodeMessage))
  const cut = splitBatch(whole.slice(0, whole.length - 5))
  assert.equal(cut.length, 2)
  assert.deepEqual(decodeMessage(cut[0]), offer)
  assert.equal(decodeMessage(cut[1]), null)
  const garbled = splitBatch('B\nxx\n' + encodeMessage(offer))
  assert.deepEqual(garbled.map(decodeMessage), [null])
  assert.deepEqual(splitBatch(42).map(decodeMessage), [null], 'a non-string reply is one bad message')
})

test('a route reads back whole, and its head (node, connection, upload) in place; damaged ones are refused', () => {
  const r = { node: 'node-1', conn: 12, uploaded: 3_000_000, downloaded: 5, lastSeen: 1_700_000_000_000, name: 'a|b name' }
  const v = encodeRoute(r)
  assert.deepEqual(decodeRoute(v), r)
  assert.deepEqual(decodeRouteHead(v), { node: 'node-1', conn: 12, uploaded: 3_000_000 })
  for (const bad of [42, '', 'node-1|12', 'node-1|12|', 'node 1|12|0|0|0|', 'n|x|0|0|0|', 'n|1|-3|0|0|', 'n|1|1.5|0|0|', '|1|0|0|0|']) {
    assert.equal(decodeRouteHead(bad), null, String(bad))
  }
})

test('an announce packs into one string with its free-text name last; a reply decodes or is refused whole', () => {
  const packed = encodeAnnounce({ now: 5, expiresAt: 9, id: H('a'), route: 'n|1|0|0|5|Bob | Alice', seeder: true, event: 'completed', pool: 15, ttlMs: 150000, name: 'x|y.mp4' })
  assert.deepEqual(packed.split('\n'), ['5', '9', H('a'), 'n|1|0|0|5|Bob | Alice', '1', 'completed', '15', '150000', '1', 'x|y.mp4', ''])
  assert.equal(encodeAnnounce({ now: 1, expiresAt: 2, id: H('b'), route: 'n|1|0|0|1|', seeder: false, event: 'update', pool: 0, ttlMs: 3 }).split('\n')[8], '0', 'no catalogue without name or size')
  assert.deepEqual(decodeAnnounceReply(`2\n3\n${H('c')}\nn|4|100`), { complete: 2, incomplete: 3, members: [H('c'), 'n|4|100'] })
  assert.deepEqual(decodeAnnounceReply('0\n1'), { complete: 0, incomplete: 1, members: [] })
  for (const bad of [null, 7, ['1', '2'], '', '1', '-1\n2', '1\nx', `1\n2\n${H('c')}`]) assert.equal(decodeAnnounceReply(bad), null, JSON.stringify(bad))
})
