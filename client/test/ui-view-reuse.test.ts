// A refresh that finds a torrent unchanged hands the page the same view object, so its card
// and pictures are not redrawn; any change in the data gives a new one.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TorrentView } from '../src/lib/ui/snapshot'
import { reuseUnchanged, reuseViews, same } from '../src/lib/ui/view-reuse'

function view(infoHash: string, over: Partial<TorrentView> = {}): TorrentView {
  return {
    infoHash, name: `${infoHash}.bin`, state: 'seeding', progress: 1, peers: [], magnet: `magnet:?xt=urn:btih:${infoHash}`,
    files: [{ path: `${infoHash}.bin`, length: 20_000 }], selected: [true], filesDone: [true], length: 20_000,
    downRate: 0, upRate: 0, downloaded: 0, uploaded: 0, totalDownloaded: 0, totalUploaded: 0, eta: null,
    availability: 1, banned: 0, error: null, swarm: { complete: 1, incomplete: 0 }, pieceCount: 2,
    have: Uint8Array.of(0xc0), inFlight: [], ...over,
  }
}

test('an idle torrent keeps its view object, and an idle list keeps the list itself', () => {
  const before = [view('a'), view('b')]
  const after = reuseViews(before, [view('a'), view('b')])
  assert.equal(after, before)
  assert.equal(after[0], before[0])
})

test('any change in the data gives a new view: a byte of the bitfield, a peer, a rate, the swarm', () => {
  const base = view('a')
  const changes: Partial<TorrentView>[] = [
    { have: Uint8Array.of(0x80) },
    { peers: [{ id: 'p', name: 'p', downRate: 0, upRate: 0, downloaded: 0, uploaded: 0 }] },
    { upRate: 1 },
    { swarm: { complete: 1, incomplete: 1 } },
    { swarm: null },
    { selected: [false] },
    { error: 'Storage is full' },
  ]
  for (const c of changes) {
    const next = view('a', c)
    assert.equal(reuseUnchanged(base, next), next, `change ${JSON.stringify(Object.keys(c))}`)
  }
})

test('one changed torrent is replaced, the others are kept, order follows the new list', () => {
  const before = [view('a'), view('b'), view('c')]
  const after = reuseViews(before, [view('c'), view('b', { uploaded: 5 }), view('a')])
  assert.notEqual(after, before)
  assert.equal(after[0], before[2])
  assert.equal(after[1]!.uploaded, 5)
  assert.equal(after[2], before[0])
  assert.equal(reuseViews(before, [view('a'), view('b')]).length, 2, 'a removed torrent leaves the list')
})

test('same() tells arrays, byte arrays and objects apart by content and shape', () => {
  assert.ok(same({ a: [1, Uint8Array.of(2)] }, { a: [1, Uint8Array.of(2)] }))
  assert.ok(!same([1], { 0: 1 }))
  assert.ok(!same(Uint8Array.of(1), [1]))
  assert.ok(!same({ a: undefined }, { b: undefined }))
  assert.ok(!same(null, {}))
  assert.ok(same(NaN, NaN))
})
