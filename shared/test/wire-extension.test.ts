import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bencodeEncode } from '../bencode'
import { bytesToUtf8 } from '../binary'
import {
  decodeExtHandshake,
  decodeMetadataMessage,
  encodeExtHandshake,
  encodeMetadataMessage,
  MAX_METADATA_SIZE,
  METADATA_PIECE_SIZE,
  WireError,
  type MetadataMessage,
} from '../wire'
import { ascii, pseudoRandomBytes, seededRandom } from './helpers'

test('extension handshake encodes sorted and round trips', () => {
  const h = { m: { ut_metadata: 3, ut_pex: 1 }, metadataSize: 34256, v: 'Tabswarm 0.1 ✓', reqq: 250 }
  const payload = encodeExtHandshake(h)
  assert.equal(bytesToUtf8(payload), 'd1:md11:ut_metadatai3e6:ut_pexi1ee13:metadata_sizei34256e4:reqqi250e1:v16:Tabswarm 0.1 ✓e')
  assert.deepEqual(decodeExtHandshake(payload), h)
  assert.equal(bytesToUtf8(encodeExtHandshake({ m: {} })), 'd1:mdee')
  assert.throws(() => encodeExtHandshake({ m: { x: 300 } }), WireError)
})

test('extension handshake decoding is tolerant of extra keys, drops disabled extensions', () => {
  const payload = bencodeEncode({
    m: { ut_metadata: 2, lt_donthave: 0, upload_only: 7 },
    p: 6881,
    yourip: Uint8Array.from([127, 0, 0, 1]),
    e: 0,
    v: 5, // wrong type for a display-only field: dropped
    complete_ago: -1,
    nested: { deep: ['x'] },
  })
  assert.deepEqual(decodeExtHandshake(payload), { m: { ut_metadata: 2, upload_only: 7 } })
  assert.deepEqual(decodeExtHandshake(ascii('de')), { m: {} })
})

test('extension handshake decoding is strict on the fields it uses', () => {
  const bad = [
    ascii(''),
    ascii('garbage'),
    ascii('li1ee'),
    ascii('d1:md1:xi1eeeXX'),
    bencodeEncode({ m: 5 }),
    bencodeEncode({ m: { ut_metadata: 'one' } }),
    bencodeEncode({ m: { ut_metadata: 256 } }),
    bencodeEncode({ m: { ut_metadata: -1 } }),
    bencodeEncode({ m: {}, metadata_size: 0 }),
    bencodeEncode({ m: {}, metadata_size: MAX_METADATA_SIZE + 1 }),
    bencodeEncode({ m: {}, metadata_size: 'big' }),
    bencodeEncode({ m: {}, reqq: 0 }),
  ]
  for (const b of bad) assert.throws(() => decodeExtHandshake(b), WireError, bytesToUtf8(b))
})

test('ut_metadata encoding matches the BEP 9 examples', () => {
  assert.equal(bytesToUtf8(encodeMetadataMessage({ msgType: 'request', piece: 0 })), 'd8:msg_typei0e5:piecei0ee')
  assert.equal(bytesToUtf8(encodeMetadataMessage({ msgType: 'reject', piece: 0 })), 'd8:msg_typei2e5:piecei0ee')
  const data = encodeMetadataMessage({ msgType: 'data', piece: 0, totalSize: 34256, data: ascii('xxxx') })
  assert.equal(bytesToUtf8(data), 'd8:msg_typei1e5:piecei0e10:total_sizei34256eexxxx')
})

test('ut_metadata round trips', () => {
  const total = 2 * METADATA_PIECE_SIZE + 1000
  const msgs: MetadataMessage[] = [
    { msgType: 'request', piece: 2 },
    { msgType: 'reject', piece: 1 },
    { msgType: 'data', piece: 0, totalSize: total, data: pseudoRandomBytes(METADATA_PIECE_SIZE, 1) },
    { msgType: 'data', piece: 2, totalSize: total, data: pseudoRandomBytes(1000, 2) },
    // Data that happens to look like bencode is still raw data after the dict.
    { msgType: 'data', piece: 0, totalSize: 6, data: ascii('d1:ae!') },
  ]
  for (const m of msgs) assert.deepEqual(decodeMetadataMessage(encodeMetadataMessage(m)), m)
})

test('ut_metadata decoding rejects malformed messages with WireError', () => {
  const bad = [
    ascii('not bencode'),
    ascii('le'),
    ascii('d8:msg_typei0ee'), // no piece
    ascii('d8:msg_typei0e5:piecei-1ee'),
    ascii('d8:msg_typei0e5:piece1:0e'),
    ascii('d8:msg_typei0e5:piecei0eeXX'), // trailing bytes on a request
    ascii('d8:msg_typei7e5:piecei0ee'), // unknown type
    ascii('d8:msg_typei1e5:piecei0eexx'), // data without total_size
    ascii('d8:msg_typei1e5:piecei0e10:total_sizei0eexx'),
    ascii('d8:msg_typei1e5:piecei0e10:total_sizei4eexx'), // short data
    ascii('d8:msg_typei1e5:piecei1e10:total_sizei4eexxxx'), // piece past the end
    ascii(`d8:msg_typei1e5:piecei0e10:total_sizei${MAX_METADATA_SIZE + 1}ee`),
  ]
  for (const b of bad) assert.throws(() => decodeMetadataMessage(b), WireError, bytesToUtf8(b))
  assert.throws(() => encodeMetadataMessage({ msgType: 'data', piece: 0, totalSize: 1, data: new Uint8Array(METADATA_PIECE_SIZE + 1) }), WireError)
  assert.throws(() => encodeMetadataMessage({ msgType: 'request', piece: -1 }), WireError)
})

test('random garbage in extension payloads only ever throws WireError', () => {
  const rnd = seededRandom(5)
  const alphabet = ascii('dlie0123456789:-_mpsx')
  for (let n = 0; n < 4000; n++) {
    const bytes = Uint8Array.from({ length: Math.floor(rnd() * 40) }, () => alphabet[Math.floor(rnd() * alphabet.length)]!)
    for (const decode of [decodeExtHandshake, decodeMetadataMessage]) {
      try {
        decode(bytes)
      } catch (err) {
        assert.ok(err instanceof WireError, String(err))
      }
    }
  }
})
