// The seek hint maps the player's time onto an MP4's media data, not the whole file.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mp4MediaSpan, seekPosition } from '../src/lib/stream/media-span'

/** A top-level box header: 32-bit size (or 1 and a 64-bit size), then the 4-character type. */
function box(type: string, size: number, large = false): Uint8Array {
  const h = new Uint8Array(large ? 16 : 8)
  const v = new DataView(h.buffer)
  v.setUint32(0, large ? 1 : size)
  for (let i = 0; i < 4; i++) h[4 + i] = type.charCodeAt(i)
  if (large) v.setBigUint64(8, BigInt(size))
  return h
}

/** A file made of boxes; only their headers are real, the rest reads as zeros. */
function file(boxes: Array<[string, number, boolean?]>): { bytes: Uint8Array; reads: number[] } {
  const total = boxes.reduce((a, [, n]) => a + n, 0)
  const bytes = new Uint8Array(total)
  let at = 0
  for (const [type, size, large] of boxes) {
    bytes.set(box(type, size, large), at)
    at += size
  }
  return { bytes, reads: [] }
}

const reader = (f: { bytes: Uint8Array; reads: number[] }) => async (offset: number, length: number) => {
  f.reads.push(offset)
  return f.bytes.subarray(offset, Math.min(f.bytes.length, offset + length))
}

test('a faststart MP4: the media data follows ftyp and moov; a seek to 50% lands mid-mdat, not mid-file', async () => {
  const f = file([['ftyp', 32], ['moov', 300_000], ['mdat', 4_000_000]])
  const span = await mp4MediaSpan(reader(f), f.bytes.length)
  assert.deepEqual(span, { start: 300_040, end: 4_300_032 })
  assert.deepEqual(f.reads, [0, 32, 300_032], 'one header read per box')
  assert.equal(seekPosition(50, 100, f.bytes.length, span), 2_300_036)
  assert.equal(seekPosition(50, 100, f.bytes.length, null), 2_150_016, 'the whole-file guess, 150 KB early')
})

test('moov at the end, 64-bit sizes, and a last box running to the end of the file', async () => {
  const end = file([['ftyp', 24], ['free', 8], ['mdat', 1_000_000, true], ['moov', 5_000]])
  assert.deepEqual(await mp4MediaSpan(reader(end), end.bytes.length), { start: 48, end: 1_000_032 })
  const open = file([['ftyp', 24], ['mdat', 500]])
  new DataView(open.bytes.buffer).setUint32(24, 0) // size 0: to the end of the file
  assert.deepEqual(await mp4MediaSpan(reader(open), open.bytes.length), { start: 32, end: 524 })
})

test('anything that is not such boxes gives no span (the whole-file guess stays)', async () => {
  const webm = new Uint8Array(4096)
  webm.set([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81])
  assert.equal(await mp4MediaSpan(reader({ bytes: webm, reads: [] }), webm.length), null)
  const short = file([['ftyp', 32], ['moov', 100]])
  assert.equal(await mp4MediaSpan(reader(short), short.bytes.length - 50), null, 'a box past the end')
  assert.equal(await mp4MediaSpan(async () => null, 1000), null, 'unreadable')
  const noMdat = file(Array.from({ length: 20 }, () => ['free', 8] as [string, number]))
  assert.equal(await mp4MediaSpan(reader(noMdat), noMdat.bytes.length), null)
  assert.equal(seekPosition(100, 100, 1000, { start: 10, end: 2000 }), 999, 'never past the file')
})
