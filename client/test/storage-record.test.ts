import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CorruptRecordError, decodeBytes, decodeTorrentRecord, type TorrentRecord } from '../src/lib/storage/db'
import { ByteLru } from '../src/lib/storage/lru'
import { fileSlices } from '../src/lib/files/save'

const good: TorrentRecord = {
  infoHash: 'ab'.repeat(20),
  name: 'x',
  magnet: '',
  infoBytes: null,
  role: 'seeding',
  paused: false,
  bitfield: new Uint8Array([0xff]),
  uploaded: 0,
  downloaded: 5,
  addedAt: 1700000000000,
}

describe('decodeTorrentRecord', () => {
  it('accepts a well-formed record and ArrayBuffer bytes', () => {
    assert.deepEqual(decodeTorrentRecord(good), good)
    const rec = decodeTorrentRecord({ ...good, infoBytes: new Uint8Array([1, 2]).buffer })
    assert.deepEqual(rec.infoBytes, new Uint8Array([1, 2]))
  })

  it('names the bad field', () => {
    const bad = (patch: object, pattern: RegExp): void =>
      assert.throws(() => decodeTorrentRecord({ ...good, ...patch }), (e: unknown) => e instanceof CorruptRecordError && pattern.test(e.message))
    bad({ infoHash: 'AB'.repeat(20) }, /"infoHash" should be 40 lowercase hex/)
    bad({ role: 'leeching' }, /"role" should be "seeding" or "downloading", got "leeching"/)
    bad({ uploaded: -1 }, /"uploaded" should be a non-negative number/)
    bad({ bitfield: [1, 2] }, /"bitfield" should be bytes or null, got an array/)
    bad({ paused: 'no' }, /"paused" should be a boolean/)
    assert.throws(() => decodeTorrentRecord(null), /expected an object, got null/)
  })

  it('decodes bytes only', () => {
    assert.equal(decodeBytes('abc'), null)
    assert.deepEqual(decodeBytes(new ArrayBuffer(2)), new Uint8Array(2))
  })
})

describe('ByteLru', () => {
  it('evicts the least recently used entries beyond its byte budget', () => {
    const lru = new ByteLru<Uint8Array>(100)
    lru.set('a', new Uint8Array(40))
    lru.set('b', new Uint8Array(40))
    lru.get('a')
    lru.set('c', new Uint8Array(40))
    assert.equal(lru.get('b'), undefined)
    assert.ok(lru.get('a'))
    assert.ok(lru.get('c'))
    assert.equal(lru.byteLength, 80)
  })

  it('skips values over half the budget and deletes by prefix', () => {
    const lru = new ByteLru<Uint8Array>(100)
    lru.set('big', new Uint8Array(60))
    assert.equal(lru.size, 0)
    lru.set('h1:0', new Uint8Array(10))
    lru.set('h1:1', new Uint8Array(10))
    lru.set('h2:0', new Uint8Array(10))
    lru.deletePrefix('h1:')
    assert.equal(lru.size, 1)
    assert.equal(lru.byteLength, 10)
  })
})

describe('fileSlices', () => {
  it('covers a file that starts and ends mid-piece', () => {
    // Pieces of 10 bytes; the file is bytes 15..37 of the torrent.
    assert.deepEqual(fileSlices({ offset: 15, length: 23 }, 10), [
      { index: 1, from: 5, to: 10 },
      { index: 2, from: 0, to: 10 },
      { index: 3, from: 0, to: 8 },
    ])
  })

  it('covers a file inside one piece, and a file ending the torrent', () => {
    assert.deepEqual(fileSlices({ offset: 12, length: 3 }, 10), [{ index: 1, from: 2, to: 5 }])
    assert.deepEqual(fileSlices({ offset: 0, length: 25 }, 10).at(-1), { index: 2, from: 0, to: 5 })
  })

  it('is empty for an empty file', () => {
    assert.deepEqual(fileSlices({ offset: 20, length: 0 }, 10), [])
  })
})

it('decodeTorrentRecord keeps a file selection and refuses a malformed one', () => {
  const base = { infoHash: 'ab'.repeat(20), name: 'x', magnet: '', infoBytes: null, role: 'downloading', paused: false, bitfield: null, uploaded: 0, downloaded: 0, addedAt: 1 }
  assert.deepEqual(decodeTorrentRecord({ ...base, selected: [true, false] }).selected, [true, false])
  assert.throws(() => decodeTorrentRecord({ ...base, selected: [1, 0] }), /selected/)
})
