// The service worker's range answers and the stream channel's decoder: what a media element
// gets for each kind of Range header, and what a malformed message becomes.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeStreamMessage, StreamMessageError } from '../src/lib/stream/messages'
import { mediaKindOf, mimeOf } from '../src/lib/stream/media'
import { MAX_RANGE_BYTES, answerRange, contentRange, parseStreamPath } from '../src/lib/stream/range'

const MiB = 1024 * 1024

test('open-ended ranges get a bounded 206; the player asks again from where it got', () => {
  assert.deepEqual(answerRange('bytes=0-', 100 * MiB), { status: 206, start: 0, end: MAX_RANGE_BYTES - 1 })
  assert.deepEqual(answerRange('bytes=103000000-', 100 * MiB), { status: 206, start: 103_000_000, end: 100 * MiB - 1 })
  assert.deepEqual(answerRange('bytes=10-19', 100), { status: 206, start: 10, end: 19 })
  assert.deepEqual(answerRange('bytes=10-1000', 100), { status: 206, start: 10, end: 99 })
  assert.equal(contentRange(answerRange('bytes=10-19', 100), 100), 'bytes 10-19/100')
})

test('a suffix range serves the end of the file (an MP4 with its moov at the end)', () => {
  assert.deepEqual(answerRange('bytes=-500', 100 * MiB), { status: 206, start: 100 * MiB - 500, end: 100 * MiB - 1 })
  assert.deepEqual(answerRange('bytes=-500', 100), { status: 206, start: 0, end: 99 })
})

test('outside the file is 416; no or unreadable Range is the whole file (200)', () => {
  assert.deepEqual(answerRange('bytes=100-', 100), { status: 416 })
  assert.deepEqual(answerRange('bytes=50-40', 100), { status: 416 })
  assert.deepEqual(answerRange('bytes=-0', 100), { status: 416 })
  assert.deepEqual(answerRange('bytes=0-', 0), { status: 416 })
  assert.equal(contentRange({ status: 416 }, 100), 'bytes */100')
  assert.deepEqual(answerRange(null, 100), { status: 200, start: 0, end: 99 })
  assert.deepEqual(answerRange('items=0-5', 100), { status: 200, start: 0, end: 99 })
  assert.deepEqual(answerRange('bytes=5-9, 20-30', 100), { status: 206, start: 5, end: 9 })
})

test('stream paths: ours, malformed ours, not ours', () => {
  const ih = 'ab'.repeat(20)
  assert.deepEqual(parseStreamPath(`/stream/${ih.toUpperCase()}/3`), { infoHash: ih, fileIndex: 3 })
  assert.ok('bad' in (parseStreamPath('/stream/xyz/1') ?? {}))
  assert.ok('bad' in (parseStreamPath(`/stream/${ih}/-1`) ?? {}))
  assert.equal(parseStreamPath('/assets/app.js'), null)
})

test('media kinds and types by extension; mkv only when the browser says it plays it', () => {
  assert.equal(mimeOf('a/b/Movie.MP4'), 'video/mp4')
  assert.equal(mimeOf('page.html'), 'application/octet-stream')
  assert.equal(mediaKindOf('x.webm', () => false), 'video')
  assert.equal(mediaKindOf('x.flac', () => false), 'audio')
  assert.equal(mediaKindOf('x.mkv', () => false), null)
  assert.equal(mediaKindOf('x.mkv', () => true), 'video')
  assert.equal(mediaKindOf('x.png', () => false), 'image')
  assert.equal(mediaKindOf('notes.bin', () => true), null)
})

test('stream messages decode from unknown; bad ones are refused with a reason', () => {
  const ih = 'cd'.repeat(20)
  const need = { kind: 'need', id: 'w-1', infoHash: ih, piece: 4, deadline: [10, 20], readahead: [10, 90] }
  assert.deepEqual(decodeStreamMessage(structuredClone(need)), need)
  assert.deepEqual(decodeStreamMessage({ kind: 'stored', infoHash: ih, piece: 0 }), { kind: 'stored', infoHash: ih, piece: 0, bytes: null })
  const bytes = new Uint8Array([1, 2, 3])
  assert.deepEqual(decodeStreamMessage(structuredClone({ kind: 'stored', infoHash: ih, piece: 1, bytes })), { kind: 'stored', infoHash: ih, piece: 1, bytes })
  const bad: unknown[] = [
    null,
    'need',
    { kind: 'nope' },
    { ...need, infoHash: 'AB'.repeat(20) },
    { ...need, deadline: [20, 10] },
    { ...need, piece: -1 },
    { kind: 'bitrate', infoHash: ih, fileIndex: 0, bytesPerSecond: 0 },
    { kind: 'release', id: 'x'.repeat(500) },
    { kind: 'stored', infoHash: ih, piece: 0, bytes: 'abc' },
    { kind: 'stored', infoHash: ih, piece: 0, bytes: new Uint8Array(0) },
  ]
  for (const raw of bad) assert.throws(() => decodeStreamMessage(raw), StreamMessageError, JSON.stringify(raw))
})
