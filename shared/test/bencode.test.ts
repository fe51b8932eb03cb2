import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BencodeError, bencodeDecode, bencodeDecodePrefix, bencodeEncode, dictGet, isDict, MAX_DEPTH } from '../bencode'
import { bytesToUtf8 } from '../binary'
import { ascii, seededRandom } from './helpers'

const text = (b: Uint8Array): string => bytesToUtf8(b)

test('encodes with sorted keys, UTF-8 strings, skipped undefined', () => {
  const out = bencodeEncode({ z: 1, a: 'é', m: [1, -2, ascii('xy')], skip: undefined, n: { b: 0 } })
  assert.equal(text(out), 'd1:a2:é1:mli1ei-2e2:xye1:nd1:bi0ee1:zi1ee')
})

test('encode refuses values the package would corrupt', () => {
  for (const bad of [1.5, NaN, 2 ** 60, true, null, [1, undefined], { a: null }, () => 1]) {
    assert.throws(() => bencodeEncode(bad as never), BencodeError, String(bad))
  }
})

test('decode round trip', () => {
  const value = bencodeDecode(ascii('d4:listli1ei-30e0:e3:numi42e3:str5:helloe'))
  assert.ok(isDict(value))
  assert.equal(dictGet(value, 'num'), 42)
  assert.equal(text(dictGet(value, 'str') as Uint8Array), 'hello')
  const list = dictGet(value, 'list') as unknown[]
  assert.equal(list[0], 1)
  assert.equal(list[1], -30)
  assert.deepEqual(list[2], new Uint8Array(0))
})

test('dictGet ignores the prototype', () => {
  const d = bencodeDecode(ascii('d1:ai1ee'))
  assert.ok(isDict(d))
  assert.equal(dictGet(d, 'constructor'), undefined)
  assert.equal(dictGet(d, 'toString'), undefined)
})

test('decode prefix reports where the value ended', () => {
  const payload = ascii('d8:msg_typei1e5:piecei0e10:total_sizei34256eexxxx')
  const { value, end } = bencodeDecodePrefix(payload)
  assert.ok(isDict(value))
  assert.equal(end, payload.length - 4)
  assert.equal(text(payload.subarray(end)), 'xxxx')
  // A start offset is honoured and `end` is absolute.
  const shifted = bencodeDecodePrefix(ascii('junk3:abcrest'), 4)
  assert.equal(text(shifted.value as Uint8Array), 'abc')
  assert.equal(shifted.end, 9)
})

test('decode rejects malformed input with BencodeError', () => {
  const bad = [
    '', 'x', 'i', 'ie', 'i-e', 'i-0e', 'i01e', 'i+1e', 'i1.5e', 'i12', 'i99999999999999999999e',
    '3:ab', '-1:', '01:a', '1a:x', '5', 'l', 'li1e', 'l-3:e', 'd', 'd1:a', 'd1:ai1e', 'di1ei2ee',
    'd1:ai1e1:ai2ee', 'd9:__proto__de1:mi1ee', 'i1ei2e', 'le ', 'e',
  ]
  for (const s of bad) assert.throws(() => bencodeDecode(ascii(s)), BencodeError, JSON.stringify(s))
})

test('decode refuses deep nesting instead of overflowing the stack', () => {
  const deep = ascii('l'.repeat(100_000) + 'e'.repeat(100_000))
  assert.throws(() => bencodeDecode(deep), BencodeError)
  const ok = ascii('l'.repeat(MAX_DEPTH) + 'e'.repeat(MAX_DEPTH))
  assert.doesNotThrow(() => bencodeDecode(ok))
})

test('decode of random garbage only ever throws BencodeError', () => {
  const rnd = seededRandom(7)
  const alphabet = ascii('ilde0123456789:-ab')
  for (let n = 0; n < 5000; n++) {
    const len = Math.floor(rnd() * 24)
    const bytes = Uint8Array.from({ length: len }, () =>
      rnd() < 0.8 ? alphabet[Math.floor(rnd() * alphabet.length)]! : Math.floor(rnd() * 256),
    )
    try {
      const v = bencodeDecode(bytes)
      // Whatever decodes must re-encode to the same bytes when keys were sorted.
      if (!bytes.includes(0x64)) assert.deepEqual(bencodeEncode(v as never), bytes)
    } catch (err) {
      assert.ok(err instanceof BencodeError, `${String(err)} for ${JSON.stringify(text(bytes))}`)
    }
  }
})
