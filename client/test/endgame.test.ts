// The end of a download: the last blocks are asked of more than one peer (so one slow or silent
// peer cannot hold the download at 99%), but no more than that: each duplicate that arrives is
// bytes the swarm sent for nothing.
import { afterEach, test } from 'node:test'
import assert from 'node:assert/strict'
import { assembled, connect, destroyAll, makeNode, makeTorrent } from './engine-harness'
import { ActivePiece } from '../src/lib/engine/active-piece'
import { BLOCK_SIZE } from '../../shared/pieces'

afterEach(destroyAll)

const KiB = 1024

test('a leecher fed by four seeders, one of them slow, finishes identical with few duplicate bytes', async () => {
  const size = 4096 * KiB
  const { bytes, info, store, full } = await makeTorrent(size, 64 * KiB)
  const seeders = [0, 1, 2, 3].map((i) => makeNode(info.infoHash, info, full, store, { upLimit: i === 0 ? 256 * KiB : 0 }))
  const leecher = makeNode(info.infoHash, info, null)
  for (const s of seeders) connect(s, leecher, 15)
  await leecher.completed
  assert.deepEqual(assembled(leecher.store, info), bytes)
  const extra = leecher.torrent.downloaded - size
  console.log(`received ${leecher.torrent.downloaded} B for ${size} B (${((100 * extra) / size).toFixed(1)}% duplicates)`)
  assert.ok(extra <= size * 0.02, `at most 2% received twice (received ${extra} B more than the file)`)
})

test('a seeder that stops answering mid-download does not hold the last pieces back', async () => {
  const size = 2048 * KiB
  const { bytes, info, store, full } = await makeTorrent(size, 64 * KiB)
  const good = makeNode(info.infoHash, info, full, store, { upLimit: 1024 * KiB })
  const silent = makeNode(info.infoHash, info, full, store)
  const leecher = makeNode(info.infoHash, info, null)
  connect(good, leecher, 5)
  const [fromSilent] = connect(silent, leecher, 5)
  // After the handshake and the first blocks, the silent seeder's bytes stop reaching the leecher;
  // its channel stays open, so only the endgame gets its requests done elsewhere.
  await new Promise((r) => setTimeout(r, 150))
  fromSilent.send = () => undefined
  await leecher.completed
  assert.deepEqual(assembled(leecher.store, info), bytes)
})

test('an endgame block asked of two peers goes to a third only once its last ask is late', async () => {
  const piece = new ActivePiece(0, 2 * BLOCK_SIZE)
  for (const b of [0, 1]) piece.markRequested(b, 'a')
  piece.markRequested(0, 'b')
  assert.equal(piece.nextBlock('c', false), -1, 'outside endgame nothing asked is asked again')
  assert.equal(piece.nextBlock('c', true, 2, 50), 1, 'block 0 has its two askers; block 1 one')
  piece.markRequested(1, 'c')
  assert.equal(piece.nextBlock('d', true, 2, 50), -1)
  await new Promise((r) => setTimeout(r, 80))
  assert.equal(piece.nextBlock('d', true, 2, 50), 0, 'both askers silent for longer than lateMs')
  assert.equal(piece.nextBlock('a', true, 2, 50), -1, 'never the same peer twice')
})
