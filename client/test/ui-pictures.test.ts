// The page's pure helpers: grouping pieces for the piece map (readable at 2,000+ pieces), the
// link a launch URL carries (magnet handler, share target, #magnet), and storage estimates.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Bitfield } from '../../shared/pieces'
import { launchLink, magnetIn } from '../src/lib/ui/launch'
import { bitSet, gridFor, groupPieces } from '../src/lib/ui/piece-cells'
import { decodeEstimate } from '../src/lib/ui/storage.svelte'

const MAGNET = 'magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=a%20b.bin&tr=ws%3A%2F%2Fh%3A1%2Fannounce'

test('a small torrent gets a cell per piece with its exact state', () => {
  const have = new Bitfield(10)
  have.set(0)
  have.set(9)
  const cells = groupPieces(10, have.toBytes(), [3], 264)
  assert.equal(cells.perCell, 1)
  assert.deepEqual([...cells.held], [1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
  assert.deepEqual([...cells.flight], [0, 0, 0, 1, 0, 0, 0, 0, 0, 0])
  assert.ok(bitSet(have.toBytes(), 9) && !bitSet(have.toBytes(), 8))
})

test('2,500 pieces on a phone are grouped into at most the cells that fit, shaded by fraction', () => {
  const { cols, maxCells } = gridFor(330, 2500, 10, 8) // a 360 px screen's card
  assert.equal(cols, 33)
  const have = new Bitfield(2500)
  for (let i = 0; i < 1250; i++) have.set(i) // first half held
  const cells = groupPieces(2500, have.toBytes(), [1250, 2499, -1, 99999], maxCells)
  assert.ok(cells.held.length <= maxCells, `${cells.held.length} cells fit in ${maxCells}`)
  assert.equal(cells.perCell, Math.ceil(2500 / maxCells))
  assert.equal(cells.held[0], 1)
  assert.equal(cells.held.at(-1), 0)
  const mid = Math.floor(1250 / cells.perCell)
  assert.ok(cells.held[mid]! >= 0 && cells.held[mid]! < 1)
  assert.equal(cells.flight[mid], 1, 'in flight piece 1250 marks its group')
  assert.equal(cells.flight.at(-1), 1)
  assert.equal(cells.flight.reduce((a, b) => a + b, 0), 2, 'out-of-range indices are ignored')
})

test('few pieces fill one row of wide cells; no bitfield yet means nothing held', () => {
  assert.deepEqual(gridFor(500, 4, 10, 8), { cols: 4, maxCells: 400 })
  assert.deepEqual([...groupPieces(4, null, [], 400).held], [0, 0, 0, 0])
})

test('launch links: #magnet, the handler\'s ?magnet=, the share target\'s url and text', () => {
  const origin = 'https://tabswarm.example'
  assert.equal(launchLink(`${origin}/#${MAGNET}`), MAGNET, 'an app link opens its magnet as written')
  const ampersand = 'magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=Tom%20%26%20Jerry.mp4'
  assert.equal(launchLink(`${origin}/#${ampersand}`), ampersand, 'an encoded & in the name stays encoded')
  assert.equal(launchLink(`${origin}/#${encodeURIComponent(ampersand)}`), ampersand, 'a wholly encoded fragment is decoded once')
  assert.equal(launchLink(`${origin}/?magnet=${encodeURIComponent(MAGNET)}`), MAGNET)
  assert.equal(launchLink(`${origin}/?url=${encodeURIComponent(MAGNET)}`), MAGNET)
  const text = `look: ${origin}/#${MAGNET} cool`
  assert.match(launchLink(`${origin}/?title=x&text=${encodeURIComponent(text)}`) ?? '', /^magnet:\?xt=urn:btih:0123456789abcdef/)
  assert.equal(magnetIn(`get ${MAGNET} now`), MAGNET)
  assert.equal(launchLink(`${origin}/?text=${encodeURIComponent('no link here')}`), null)
  assert.equal(launchLink(`${origin}/`), null)
  assert.equal(launchLink('not a url'), null)
  assert.equal(launchLink(`${origin}/#%E0%A4%A`), null, 'a broken escape is no link, not a crash')
})

test('storage estimates decode to numbers or null', () => {
  assert.deepEqual(decodeEstimate({ usage: 10, quota: 100 }), { usage: 10, quota: 100 })
  assert.deepEqual(decodeEstimate({ usage: 'x', quota: -1 }), { usage: null, quota: null })
  assert.deepEqual(decodeEstimate(null), { usage: null, quota: null })
})
