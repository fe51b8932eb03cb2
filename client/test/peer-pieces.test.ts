// What peers have: bitfields and haves that arrive before the metadata, bad bitfields, the
// picker's availability counts, and the torrent's availability and ban figures.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Bitfield } from '../../shared/pieces'
import { Peer } from '../src/lib/engine/peer'
import { ensurePeerBits, onBitfield, onHave, type PeerPiecesHost } from '../src/lib/engine/peer-pieces'
import { PiecePicker } from '../src/lib/engine/picker'
import { BAN_STRIKES, Strikes } from '../src/lib/engine/strikes'
import { availability } from '../src/lib/engine/torrent-stats'
import type { WireSession } from '../src/lib/engine/wire-session'

function peer(id: string): Peer {
  return new Peer(id, id, {} as WireSession)
}

function host(count: number | null) {
  const picker = count === null ? undefined : new PiecePicker(count)
  const invalid: string[] = []
  const changed: string[] = []
  const h: PeerPiecesHost & { count: number | null; picker: () => PiecePicker | undefined } = {
    count,
    pieceCount: () => h.count,
    picker: () => picker,
    invalid: (p, reason) => invalid.push(`${p.id}: ${reason}`),
    changed: (p) => changed.push(p.id),
  }
  return { h, picker, invalid, changed }
}

function bits(count: number, set: number[]): Uint8Array {
  const b = new Bitfield(count)
  for (const i of set) b.set(i)
  return b.toBytes()
}

test('a bitfield and haves sent before the metadata count once it arrives', () => {
  const early = host(null)
  const p = peer('a')
  onBitfield(early.h, p, bits(10, [0, 1]))
  assert.equal(onHave(early.h, p, 5), false)
  onHave(early.h, p, 99) // out of range once the count is known: ignored then
  assert.equal(p.bits, null)

  const later = host(10)
  ensurePeerBits(later.h, p)
  assert.deepEqual([...Array(10).keys()].filter((i) => p.bits!.has(i)), [0, 1, 5])
  assert.deepEqual([...later.picker!.availability], [1, 1, 0, 0, 0, 1, 0, 0, 0, 0])
  assert.deepEqual(p.earlyHaves, [])
  assert.equal(later.invalid.length, 0)
})

test('haves update the picker once per piece and report invalid indexes', () => {
  const { h, picker, changed } = host(4)
  const p = peer('a')
  assert.equal(onHave(h, p, 2), true)
  assert.equal(onHave(h, p, 2), true)
  assert.equal(onHave(h, p, 4), false)
  assert.equal(onHave(h, p, -1), false)
  assert.deepEqual([...picker!.availability], [0, 0, 1, 0])
  assert.deepEqual(changed, ['a', 'a'])
})

test('a bitfield of the wrong size is refused and leaves the picker alone', () => {
  const { h, picker, invalid } = host(10)
  const p = peer('a')
  onBitfield(h, p, new Uint8Array(5))
  assert.equal(invalid.length, 1)
  assert.match(invalid[0]!, /^a: bad bitfield/)
  assert.deepEqual([...picker!.availability], new Array(10).fill(0))

  const q = peer('b')
  q.earlyBits = new Uint8Array([0xff, 0xff, 0xff]) // spare bits set: invalid for 10 pieces
  q.earlyHaves = [3]
  ensurePeerBits(h, q)
  assert.equal(invalid.length, 2)
  assert.equal(q.bits!.count(), 0)
  assert.deepEqual([...picker!.availability], new Array(10).fill(0))
})

test('a new bitfield replaces the old one in the picker', () => {
  const { h, picker } = host(4)
  const p = peer('a')
  onBitfield(h, p, bits(4, [0, 1]))
  onBitfield(h, p, bits(4, [1, 2]))
  assert.deepEqual([...picker!.availability], [0, 1, 1, 0])
})

test('availability: whole copies among peers plus the share of pieces held once more', () => {
  const count = 8
  const a = peer('a')
  const b = peer('b')
  a.bits = Bitfield.fromBytes(bits(count, [0, 1, 2, 3]), count)
  b.bits = Bitfield.fromBytes(bits(count, [4, 5, 6, 7]), count)
  assert.equal(availability(count, [a]), 0.5)
  assert.equal(availability(count, [a, b]), 1)
  const c = peer('c')
  c.bits = Bitfield.fromBytes(bits(count, [0, 1]), count)
  assert.equal(availability(count, [a, b, c]), 1.25)
  assert.equal(availability(count, []), 0)
})

test('strikes: a sole contributor is banned at once, shared blame takes two failures', () => {
  const s = new Strikes()
  assert.equal(Strikes.weightFor(new Set(['x'])), BAN_STRIKES)
  assert.equal(s.add('x', Strikes.weightFor(new Set(['x']))), true)
  const shared = new Set(['y', 'z'])
  assert.equal(s.add('y', Strikes.weightFor(shared)), false)
  assert.equal(s.add('y', Strikes.weightFor(shared)), true)
  assert.deepEqual([...s.banned].sort(), ['x', 'y'])
})
