import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  BinaryError,
  binaryStringToHex,
  bytesToHex,
  bytesToUtf8,
  concatBytes,
  equalBytes,
  hexToBinaryString,
  hexToBytes,
  randomPeerId,
  sha1,
  sha1Hex,
  utf8ToBytes,
} from '../binary'
import { ascii } from './helpers'

test('hex round trip, lowercase out, either case in', () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
  const hex = bytesToHex(bytes)
  assert.equal(hex.length, 512)
  assert.equal(hex, hex.toLowerCase())
  assert.deepEqual(hexToBytes(hex), bytes)
  assert.deepEqual(hexToBytes('ABcd0F'), Uint8Array.from([0xab, 0xcd, 0x0f]))
  assert.deepEqual(hexToBytes(''), new Uint8Array(0))
})

test('hexToBytes rejects garbage with BinaryError', () => {
  for (const bad of ['abc', 'zz', '0g', ' 00', '+1']) assert.throws(() => hexToBytes(bad), BinaryError, bad)
  assert.throws(() => hexToBytes(42 as unknown as string), BinaryError)
})

test('binary strings carry bytes as latin1 char codes', () => {
  const hex = '00ff7f8041' + 'ab'.repeat(15)
  const s = hexToBinaryString(hex)
  assert.equal(s.length, 20)
  assert.equal(s.charCodeAt(0), 0)
  assert.equal(s.charCodeAt(1), 255)
  assert.equal(s.charAt(4), 'A')
  assert.equal(binaryStringToHex(s), hex)
  assert.throws(() => binaryStringToHex('\u0100'), BinaryError)
  assert.throws(() => binaryStringToHex('é€'), BinaryError)
})

test('concatBytes and equalBytes', () => {
  const joined = concatBytes([ascii('ab'), new Uint8Array(0), ascii('cde')])
  assert.equal(bytesToUtf8(joined), 'abcde')
  assert.ok(equalBytes(joined, ascii('abcde')))
  assert.ok(!equalBytes(joined, ascii('abcdf')))
  assert.ok(!equalBytes(joined, ascii('abcd')))
  assert.deepEqual(concatBytes([]), new Uint8Array(0))
})

test('utf8 helpers', () => {
  assert.equal(bytesToUtf8(utf8ToBytes('héllo ✓')), 'héllo ✓')
  assert.equal(bytesToUtf8(Uint8Array.from([0xff])), '\ufffd')
})

test('randomPeerId: 20 bytes, Azureus prefix, printable, random', () => {
  const a = randomPeerId()
  const b = randomPeerId()
  assert.equal(a.length, 20)
  assert.equal(bytesToUtf8(a.subarray(0, 8)), '-TS0001-')
  assert.ok(a.every((c) => c >= 0x20 && c < 0x7f))
  assert.ok(!equalBytes(a, b))
})

test('sha1 matches known vectors', async () => {
  assert.equal(await sha1Hex(new Uint8Array(0)), 'da39a3ee5e6b4b0d3255bfef95601890afd80709')
  assert.equal(await sha1Hex(ascii('abc')), 'a9993e364706816aba3e25717850c26c9cd0d89d')
  // A view with an offset hashes only its own bytes.
  const view = ascii('xxabcxx').subarray(2, 5)
  assert.equal(bytesToHex(await sha1(view)), 'a9993e364706816aba3e25717850c26c9cd0d89d')
})
