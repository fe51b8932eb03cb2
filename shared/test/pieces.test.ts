import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  Bitfield,
  BitfieldError,
  BLOCK_SIZE,
  blockLengthAt,
  blocksInPiece,
  choosePieceLength,
  fileSpans,
  pieceCountFor,
  pieceLengthAt,
  piecesForFile,
} from '../pieces'
import { seededRandom } from './helpers'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

test('choosePieceLength: power of two, 129–256 pieces unless clamped', () => {
  assert.equal(choosePieceLength(0), 16 * KiB)
  assert.equal(choosePieceLength(1), 16 * KiB)
  assert.equal(choosePieceLength(2 * MiB), 16 * KiB) // 128 pieces: clamped at the bottom
  assert.equal(choosePieceLength(256 * MiB), 1 * MiB)
  assert.equal(choosePieceLength(4 * GiB), 4 * MiB) // 1,024 pieces: clamped at the top
  assert.equal(choosePieceLength(1 * TiB()), 4 * MiB)
  for (const size of [5 * MiB + 3, 32 * MiB, 100 * MiB, 1 * GiB - 1]) {
    const len = choosePieceLength(size)
    assert.equal(len & (len - 1), 0, `${len} is a power of two`)
    const count = pieceCountFor(size, len)
    assert.ok(count > 128 && count <= 256, `${size} bytes → ${count} pieces of ${len}`)
  }
  assert.throws(() => choosePieceLength(-1), RangeError)
  assert.throws(() => choosePieceLength(NaN), RangeError)
})

test('choosePieceLength for streaming: smaller pieces, 64 KiB to 1 MiB, at most 2,048', () => {
  const streaming = { streaming: true }
  assert.equal(choosePieceLength(1 * MiB, streaming), 64 * KiB) // clamped at the bottom
  assert.equal(choosePieceLength(138 * MiB, streaming), 128 * KiB) // 1,104 pieces, not 138 of 1 MiB
  assert.equal(choosePieceLength(256 * MiB, streaming), 128 * KiB)
  assert.equal(choosePieceLength(4 * GiB, streaming), 1 * MiB) // 4,096 pieces: clamped at the top
  assert.ok(choosePieceLength(138 * MiB, streaming) < choosePieceLength(138 * MiB))
})

function TiB(): number {
  return 1024 * GiB
}

test('piece and block lengths', () => {
  assert.equal(pieceCountFor(0, 16 * KiB), 0)
  assert.equal(pieceCountFor(100_003, 16 * KiB), 7)
  assert.equal(pieceLengthAt(100_003, 16 * KiB, 0), 16 * KiB)
  assert.equal(pieceLengthAt(100_003, 16 * KiB, 6), 100_003 - 6 * 16 * KiB)
  assert.equal(pieceLengthAt(64 * KiB, 16 * KiB, 3), 16 * KiB)
  assert.throws(() => pieceLengthAt(100_003, 16 * KiB, 7), RangeError)
  assert.throws(() => pieceLengthAt(100_003, 16 * KiB, -1), RangeError)
  // Beyond 4 GiB nothing wraps around.
  const big = 5 * GiB + 5
  assert.equal(pieceLengthAt(big, 4 * MiB, pieceCountFor(big, 4 * MiB) - 1), 5)

  assert.equal(BLOCK_SIZE, 16384)
  assert.equal(blocksInPiece(16 * KiB), 1)
  assert.equal(blocksInPiece(16 * KiB + 1), 2)
  assert.equal(blocksInPiece(1), 1)
  assert.equal(blockLengthAt(40_000, 0), BLOCK_SIZE)
  assert.equal(blockLengthAt(40_000, 2), 40_000 - 2 * BLOCK_SIZE)
  assert.throws(() => blockLengthAt(40_000, 3), RangeError)
})

test('Bitfield set/has/count and BEP 3 byte layout', () => {
  const bf = new Bitfield(10)
  assert.equal(bf.count(), 0)
  bf.set(0)
  bf.set(9)
  bf.set(9) // idempotent
  assert.ok(bf.has(0) && bf.has(9) && !bf.has(1))
  assert.equal(bf.count(), 2)
  assert.deepEqual(bf.toBytes(), Uint8Array.from([0b1000_0000, 0b0100_0000]))
  bf.set(0, false)
  bf.set(0, false)
  assert.equal(bf.count(), 1)
  for (let i = 0; i < 10; i++) bf.set(i)
  assert.ok(bf.isComplete())
  assert.deepEqual(bf.toBytes(), Uint8Array.from([0xff, 0xc0]))
  assert.throws(() => bf.has(10), RangeError)
  assert.throws(() => bf.set(-1), RangeError)
  // toBytes is a copy.
  bf.toBytes()[0] = 0
  assert.ok(bf.has(0))
  assert.ok(new Bitfield(0).isComplete())
})

test('Bitfield.fromBytes validates length and spare bits', () => {
  const bf = Bitfield.fromBytes(Uint8Array.from([0xa0, 0x80]), 9)
  assert.equal(bf.count(), 3)
  assert.ok(bf.has(0) && bf.has(2) && bf.has(8) && !bf.has(1))
  assert.throws(() => Bitfield.fromBytes(Uint8Array.from([0xff]), 9), BitfieldError)
  assert.throws(() => Bitfield.fromBytes(Uint8Array.from([0xff, 0x80, 0]), 9), BitfieldError)
  assert.throws(() => Bitfield.fromBytes(Uint8Array.from([0xff, 0xc0]), 9), /spare bits/)
  assert.throws(() => Bitfield.fromBytes('nope' as unknown as Uint8Array, 9), BitfieldError)
  // The input is copied: later changes to it do not leak in.
  const raw = Uint8Array.from([0xff])
  const full = Bitfield.fromBytes(raw, 8)
  raw[0] = 0
  assert.ok(full.isComplete())
})

test('Bitfield count stays right under random updates', () => {
  const rnd = seededRandom(3)
  const size = 1001
  const bf = new Bitfield(size)
  const model = new Array<boolean>(size).fill(false)
  for (let n = 0; n < 20_000; n++) {
    const i = Math.floor(rnd() * size)
    const v = rnd() < 0.6
    bf.set(i, v)
    model[i] = v
  }
  assert.equal(bf.count(), model.filter(Boolean).length)
  const copy = Bitfield.fromBytes(bf.toBytes(), size)
  for (let i = 0; i < size; i++) assert.equal(copy.has(i), model[i])
})

test('fileSpans maps a piece onto files', () => {
  // Files: a = 10 bytes, b = 0 bytes, c = 25 bytes, d = 5 bytes → 40 bytes, pieces of 16.
  const files = [
    { offset: 0, length: 10 },
    { offset: 10, length: 0 },
    { offset: 10, length: 25 },
    { offset: 35, length: 5 },
  ]
  assert.deepEqual(fileSpans(files, 16, 0, 16), [
    { fileIndex: 0, fileOffset: 0, pieceOffset: 0, length: 10 },
    { fileIndex: 2, fileOffset: 0, pieceOffset: 10, length: 6 },
  ])
  assert.deepEqual(fileSpans(files, 16, 1, 16), [{ fileIndex: 2, fileOffset: 6, pieceOffset: 0, length: 16 }])
  assert.deepEqual(fileSpans(files, 16, 2, 8), [
    { fileIndex: 2, fileOffset: 22, pieceOffset: 0, length: 3 },
    { fileIndex: 3, fileOffset: 0, pieceOffset: 3, length: 5 },
  ])
  // Spans of all pieces tile every file exactly once.
  const covered = files.map(() => 0)
  for (let p = 0; p < 3; p++) {
    for (const s of fileSpans(files, 16, p, pieceLengthAt(40, 16, p))) covered[s.fileIndex]! += s.length
  }
  assert.deepEqual(covered, [10, 0, 25, 5])
})

test('piecesForFile', () => {
  assert.deepEqual(piecesForFile({ offset: 0, length: 10 }, 16), { first: 0, last: 0 })
  assert.deepEqual(piecesForFile({ offset: 10, length: 25 }, 16), { first: 0, last: 2 })
  assert.deepEqual(piecesForFile({ offset: 32, length: 16 }, 16), { first: 2, last: 2 })
  assert.deepEqual(piecesForFile({ offset: 16, length: 0 }, 16), { first: 1, last: 0 })
})
