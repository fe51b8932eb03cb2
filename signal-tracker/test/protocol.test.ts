// shared/tracker-protocol.ts: decoders both ways and the client-side encoder.

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  Kind, MAX_CONNECTED_PEERS, TrackerProtocolError, decodeClientMessage, decodeTrackerMessage, encodeClientMessage,
  isBinaryId, randomBinaryId,
} from '../../shared/tracker-protocol'
import { id } from './helpers'

const IH = id('ih')
const PID = id('pid')

describe('decodeClientMessage', () => {
  test('a WebTorrent announce (no event, trackerid, null left) is an update', () => {
    const m = decodeClientMessage(JSON.stringify({
      action: 'announce', info_hash: IH, peer_id: PID, numwant: 5, uploaded: 10, downloaded: 20, left: null,
      trackerid: 'x', offers: [{ offer_id: id('o'), offer: { type: 'offer', sdp: 'v=0', extra: 'dropped' } }],
    }))
    assert.deepEqual(m, {
      kind: Kind.Announce, action: 'announce', info_hash: IH, peer_id: PID, event: 'update', numwant: 5,
      uploaded: 10, downloaded: 20, offers: [{ offer_id: id('o'), offer: { type: 'offer', sdp: 'v=0' } }],
    })
  })

  test('our extra fields', () => {
    const m = decodeClientMessage({
      action: 'announce', info_hash: IH, peer_id: PID, event: 'started', left: 0,
      peer_name: 'Tab', file_name: 'a.bin', file_size: 12, connected: [id('x')],
    })
    assert.equal(m.kind, Kind.Announce)
    if (m.kind !== Kind.Announce) return
    assert.deepEqual([m.event, m.left, m.peer_name, m.file_name, m.file_size, m.connected], ['started', 0, 'Tab', 'a.bin', 12, [id('x')]])
  })

  test('answers and scrapes', () => {
    const a = decodeClientMessage({ action: 'announce', info_hash: IH, peer_id: PID, to_peer_id: id('to'), offer_id: id('o'), answer: { type: 'answer', sdp: 's' } })
    assert.equal(a.kind, Kind.Answer)
    assert.deepEqual(decodeClientMessage({ action: 'scrape', info_hash: IH }), { kind: Kind.Scrape, action: 'scrape', info_hash: [IH] })
    assert.deepEqual(decodeClientMessage({ action: 'scrape' }), { kind: Kind.Scrape, action: 'scrape', info_hash: [] })
  })

  const bad: [string, unknown, RegExp][] = [
    ['binary', new Uint8Array([1]), /binary/],
    ['bad JSON', '{"action"', /JSON/],
    ['array', [], /object/],
    ['no action', {}, /missing action/],
    ['unknown action', { action: 'dump' }, /unknown action/],
    ['short info_hash', { action: 'announce', info_hash: 'abc', peer_id: PID }, /info_hash/],
    ['wide peer_id', { action: 'announce', info_hash: IH, peer_id: '\u1234'.repeat(20) }, /peer_id/],
    ['negative', { action: 'announce', info_hash: IH, peer_id: PID, uploaded: -5 }, /uploaded/],
    ['huge', { action: 'announce', info_hash: IH, peer_id: PID, downloaded: 2 ** 60 }, /downloaded/],
    ['string number', { action: 'announce', info_hash: IH, peer_id: PID, left: '7' }, /left/],
    ['event', { action: 'announce', info_hash: IH, peer_id: PID, event: 'boom' }, /event/],
    ['answer w/o to_peer_id', { action: 'announce', info_hash: IH, peer_id: PID, offer_id: id('o'), answer: { type: 'answer', sdp: '' } }, /to_peer_id/],
    ['answer typed offer', { action: 'announce', info_hash: IH, peer_id: PID, to_peer_id: id('t'), offer_id: id('o'), answer: { type: 'offer', sdp: '' } }, /type must be/],
    ['connected too long', { action: 'announce', info_hash: IH, peer_id: PID, connected: Array(MAX_CONNECTED_PEERS + 1).fill(id('c')) }, /connected/],
    ['scrape hash type', { action: 'scrape', info_hash: [IH, 3] }, /info_hash/],
  ]
  for (const [name, raw, re] of bad) {
    test(`refuses ${name}`, () => {
      assert.throws(() => decodeClientMessage(raw), (e: unknown) => e instanceof TrackerProtocolError && re.test(e.message))
    })
  }

  test('a refusal remembers action and info_hash for the reply', () => {
    try {
      decodeClientMessage({ action: 'announce', info_hash: IH, peer_id: 1 })
      assert.fail('should throw')
    } catch (e) {
      assert.ok(e instanceof TrackerProtocolError)
      assert.deepEqual([e.action, e.info_hash], ['announce', IH])
    }
  })
})

describe('decodeTrackerMessage', () => {
  test('announce response, relayed offer and answer, scrape, failure, warning', () => {
    assert.deepEqual(decodeTrackerMessage('{"action":"announce","interval":120,"info_hash":' + JSON.stringify(IH) + ',"complete":1,"incomplete":2}'),
      { kind: Kind.AnnounceResponse, action: 'announce', info_hash: IH, interval: 120, complete: 1, incomplete: 2 })
    const offer = decodeTrackerMessage({ action: 'announce', info_hash: IH, peer_id: PID, offer_id: id('o'), offer: { type: 'offer', sdp: 's' }, peer_name: 'N' })
    assert.deepEqual(offer, { kind: Kind.RelayedOffer, action: 'announce', info_hash: IH, peer_id: PID, offer_id: id('o'), offer: { type: 'offer', sdp: 's' }, peer_name: 'N' })
    const ans = decodeTrackerMessage({ action: 'announce', info_hash: IH, peer_id: PID, offer_id: id('o'), answer: { type: 'answer', sdp: 's' } })
    assert.equal(ans.kind, Kind.RelayedAnswer)
    const sc = decodeTrackerMessage({ action: 'scrape', files: { [IH]: { complete: 1, incomplete: 0, downloaded: 3 } }, flags: {} })
    assert.deepEqual(sc, { kind: Kind.ScrapeResponse, action: 'scrape', files: { [IH]: { complete: 1, incomplete: 0, downloaded: 3 } } })
    assert.deepEqual(decodeTrackerMessage({ 'failure reason': 'no', action: 'announce', info_hash: IH }), { kind: Kind.Failure, reason: 'no', action: 'announce', info_hash: IH })
    assert.deepEqual(decodeTrackerMessage({ 'warning message': 'hm' }), { kind: Kind.Warning, message: 'hm' })
    assert.throws(() => decodeTrackerMessage({ action: 'announce', info_hash: IH }), TrackerProtocolError)
    assert.throws(() => decodeTrackerMessage({ action: 'what' }), TrackerProtocolError)
  })
})

describe('helpers', () => {
  test('encodeClientMessage round-trips and omits the update event', () => {
    const m = decodeClientMessage({ action: 'announce', info_hash: IH, peer_id: PID, offers: [] })
    const wire = JSON.parse(encodeClientMessage(m))
    assert.equal(wire.kind, undefined)
    assert.equal(wire.event, undefined)
    assert.deepEqual(decodeClientMessage(encodeClientMessage(m)), m)
  })

  test('randomBinaryId makes valid ids', () => {
    for (let i = 0; i < 50; i++) assert.ok(isBinaryId(randomBinaryId()))
  })
})
