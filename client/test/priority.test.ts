// Piece priorities: file selection skips pieces, holds pull ranges forward, in the engine end to end.
import { afterEach, test } from 'node:test'
import assert from 'node:assert/strict'
import { assembled, connect, destroyAll, makeNode, makeTorrent, type FakeChannel } from './engine-harness'
import { DEADLINE, NORMAL, PiecePriorities, READAHEAD, SKIP, holdRank } from '../src/lib/engine/priority'
import { PiecePicker } from '../src/lib/engine/picker'
import { Bitfield } from '../../shared/pieces'

afterEach(destroyAll)

const PL = 16384

/**
 * Piece indexes of the messages with `id` (request 6, cancel 8: 17-byte frames) sent through
 * `channel` while `recording()` holds.
 */
function sentIndexes(channel: FakeChannel, id: number, recording: () => boolean = () => true): number[] {
  const pieces: number[] = []
  const send = channel.send.bind(channel)
  channel.send = (d: Uint8Array) => {
    for (let i = 0; recording() && i + 8 < d.length; i++) {
      if (d[i] === 0 && d[i + 1] === 0 && d[i + 2] === 0 && d[i + 3] === 13 && d[i + 4] === id) {
        pieces.push(new DataView(d.buffer, d.byteOffset + i + 5, 4).getUint32(0))
        i += 16
      }
    }
    send(d)
  }
  return pieces
}

/** Counts the cancel messages sent through `channel`. */
function countCancels(channel: FakeChannel): { readonly n: number } {
  const cancels = sentIndexes(channel, 8)
  return { get n() { return cancels.length } }
}

test('a piece is skipped only when no chosen file touches it', async () => {
  // Files of 2.5, 3 and 1.5 pieces: pieces 0-1 only file 0, 2 shared by 0 and 1, 3-4 only file 1, 5 shared by 1 and 2, 6 only file 2.
  const { info } = await makeTorrent(7 * PL, PL, [2.5 * PL, 3 * PL, 1.5 * PL])
  const p = new PiecePriorities(info, [true, false, true])
  assert.deepEqual([...Array(info.pieceCount).keys()].map((i) => p.level(i)), [NORMAL, NORMAL, NORMAL, SKIP, SKIP, NORMAL, NORMAL])
  assert.throws(() => p.select([true]), /one choice per file/)
  p.select([false, false, false])
  assert.ok(p.noneSelected)
})

test('holds raise a range until released, and the picker takes deadline pieces first in byte order', async () => {
  const { info } = await makeTorrent(10 * PL, PL)
  const p = new PiecePriorities(info)
  const releaseAhead = p.hold(6 * PL, 9 * PL, 'readahead')
  const release = p.hold(4 * PL + 5, 6 * PL, 'deadline')
  assert.equal(p.level(3), NORMAL)
  assert.equal(p.level(4), DEADLINE)
  assert.equal(p.level(5), DEADLINE)
  assert.equal(p.level(6), READAHEAD)
  const picker = new PiecePicker(info.pieceCount, p)
  const all = new Bitfield(info.pieceCount)
  for (let i = 0; i < info.pieceCount; i++) all.set(i)
  const have = new Bitfield(info.pieceCount)
  const busy = new Set<number>()
  const order: number[] = []
  for (let k = 0; k < 5; k++) {
    const i = picker.pick(all, have, (x) => busy.has(x))
    busy.add(i)
    order.push(i)
  }
  assert.deepEqual(order, [4, 5, 6, 7, 8])
  release()
  releaseAhead()
  assert.equal(p.level(4), NORMAL)
  assert.equal(p.hasHolds, false)
})

test('an unchosen file is not downloaded; the chosen ones complete and the torrent seeds', async () => {
  const sizes = [3 * PL + 100, 12 * PL, 2 * PL + 7]
  const total = sizes.reduce((a, b) => a + b)
  const { bytes, info, store, full } = await makeTorrent(total, PL, sizes)
  const seeder = makeNode(info.infoHash, info, full, store)
  const leecher = makeNode(info.infoHash, info, null, undefined, { selection: [true, false, true] })
  connect(seeder, leecher)
  const deadline = Date.now() + 20_000
  while (leecher.torrent.state !== 'seeding' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  assert.equal(leecher.torrent.state, 'seeding')
  assert.equal(leecher.torrent.progress, 1)
  // Pieces 4..14 lie only in the middle file: none of them was fetched.
  for (let i = 0; i < info.pieceCount; i++) {
    const onlyMiddle = i * PL >= sizes[0]! && (i + 1) * PL <= sizes[0]! + sizes[1]!
    assert.equal(leecher.store.pieces.has(`${info.infoHash}:${i}`), !onlyMiddle, `piece ${i}`)
  }
  assert.ok(leecher.torrent.downloaded < total - sizes[1]! + 2 * PL, `downloaded ${leecher.torrent.downloaded}`)
  // Choosing the middle file again resumes and completes the whole torrent.
  leecher.torrent.select([true, true, true])
  assert.equal(leecher.torrent.state, 'downloading')
  await leecher.completed
  assert.deepEqual(assembled(leecher.store, info), bytes)
})

test('unchecking every file pauses the torrent and says why; checking one resumes it', async () => {
  const { info, store, full } = await makeTorrent(4 * PL, PL, [2 * PL, 2 * PL])
  const seeder = makeNode(info.infoHash, info, full, store)
  const leecher = makeNode(info.infoHash, info, null)
  leecher.torrent.select([false, false])
  assert.equal(leecher.torrent.state, 'paused')
  assert.match(leecher.torrent.error ?? '', /unchecked/)
  leecher.torrent.select([false, true])
  assert.equal(leecher.torrent.state, 'downloading')
  assert.equal(leecher.torrent.error, null)
  connect(seeder, leecher)
  await leecher.torrent.whenStored(3)
  assert.ok(leecher.store.pieces.has(`${info.infoHash}:3`))
})

test('a deadline range at the end of a slow download arrives first', async () => {
  const size = 64 * PL
  const { bytes, info, store, full } = await makeTorrent(size, PL)
  const seeder = makeNode(info.infoHash, info, full, store)
  // 8 pieces per second: the whole file takes ~8 s, the last four pieces well under one.
  const leecher = makeNode(info.infoHash, info, null, undefined, { downLimit: 8 * PL })
  const release = leecher.torrent.prioritize(size - 4 * PL, size, 'deadline')
  connect(seeder, leecher)
  await Promise.all([60, 61, 62, 63].map((i) => leecher.torrent.whenStored(i)))
  const have = leecher.torrent.have!.count()
  assert.ok(have <= 12, `the deadline pieces came among the first (${have} pieces stored by then)`)
  for (const i of [60, 61, 62, 63]) {
    assert.deepEqual(leecher.store.pieces.get(`${info.infoHash}:${i}`), bytes.subarray(i * PL, (i + 1) * PL))
  }
  release()
})

test('waiting on a piece fails when the torrent is removed or the wait is aborted', async () => {
  const { info } = await makeTorrent(4 * PL, PL)
  const leecher = makeNode(info.infoHash, info, null)
  const ac = new AbortController()
  const aborted = leecher.torrent.whenStored(1, ac.signal)
  ac.abort()
  await assert.rejects(aborted)
  const removed = leecher.torrent.whenStored(2)
  leecher.torrent.destroy()
  await assert.rejects(removed, /removed/)
  await assert.rejects(leecher.torrent.whenStored(99), RangeError)
})

test('a seek (new deadline) cancels unstarted read-ahead requests; the download still completes identical', async () => {
  const size = 64 * PL
  const { bytes, info, store, full } = await makeTorrent(size, PL)
  const seeder = makeNode(info.infoHash, info, full, store)
  const leecher = makeNode(info.infoHash, info, null, undefined, { downLimit: 16 * PL })
  const releaseAhead = leecher.torrent.prioritize(0, 32 * PL, 'readahead')
  // 150 ms each way: a block arrives at least 300 ms after its request, so at the seek below the
  // read-ahead pieces have been asked for and not one byte of them has arrived (deterministic).
  const [, toSeeder] = connect(seeder, leecher, 150)
  const cancels = countCancels(toSeeder)
  while (leecher.torrent.inFlight.length === 0) await new Promise((r) => setTimeout(r, 2))
  const before = leecher.torrent.have!.count()
  const releaseSeek = leecher.torrent.prioritize(60 * PL, size, 'deadline')
  await Promise.all([60, 61, 62, 63].map((i) => leecher.torrent.whenStored(i)))
  const sinceSeek = leecher.torrent.have!.count() - before
  assert.ok(sinceSeek < 16, `the seek's pieces came before half the read-ahead (${sinceSeek} pieces stored since the seek)`)
  releaseSeek()
  releaseAhead()
  await leecher.completed
  assert.deepEqual(assembled(leecher.store, info), bytes)
  assert.ok(cancels.n > 0, 'requests for the old read-ahead were cancelled at the seek')
})

test('a seek asks for its first 640 KiB at once, past a young connection\'s pipeline depth; a sliding deadline does not', async () => {
  const size = 192 * PL
  const { bytes, info, store, full } = await makeTorrent(size, PL)
  const seeder = makeNode(info.infoHash, info, full, store)
  // Only the requests sent before the first block arrives count: after it, the pipeline refills
  // and grows, whatever the seek did. (The torrent counts a block before it refills.)
  const seeking = makeNode(info.infoHash, info, null)
  const [, toSeeder] = connect(seeder, seeking, 150)
  const asked = sentIndexes(toSeeder, 6, () => seeking.torrent.downloaded === 0)
  while (asked.length === 0) await new Promise((r) => setTimeout(r, 2))
  const before = asked.length
  const releaseSeek = seeking.torrent.prioritize(100 * PL, 160 * PL, 'deadline')
  while (seeking.torrent.downloaded === 0) await new Promise((r) => setTimeout(r, 2))
  // 640 KiB of 16 KiB pieces: 100-139, where a young connection's depth is 8 blocks. (One of
  // them may have been among the first pieces asked for; it is kept, not asked for twice.)
  const since = asked.slice(before)
  const pending = new Set(asked)
  assert.deepEqual([...Array(40).keys()].map((k) => 100 + k).filter((i) => !pending.has(i)), [], 'the seek asked for its first 40 pieces at once')
  assert.ok(since.every((i) => i >= 100 && i < 140), `nothing else was asked for after the seek (${since.join(', ')})`)

  const sliding = makeNode(info.infoHash, info, null)
  sliding.torrent.prioritize(100 * PL, 160 * PL, 'deadline', { jump: false })
  const [, toSeeder2] = connect(seeder, sliding, 150)
  const asked2 = sentIndexes(toSeeder2, 6, () => sliding.torrent.downloaded === 0)
  while (sliding.torrent.downloaded === 0) await new Promise((r) => setTimeout(r, 2))
  assert.deepEqual(asked2, [100, 101, 102, 103, 104, 105, 106, 107], 'a deadline that only slides keeps to the depth')

  releaseSeek()
  await seeking.completed
  assert.deepEqual(assembled(seeking.store, info), bytes)
})

test('a seek whose first piece the background download happened to start is a jump all the same', async () => {
  const { bytes, info, store, full } = await makeTorrent(192 * PL, PL)
  const seeder = makeNode(info.infoHash, info, full, store)
  const seeking = makeNode(info.infoHash, info, null)
  const [, toSeeder] = connect(seeder, seeking, 150)
  const asked = sentIndexes(toSeeder, 6, () => seeking.torrent.downloaded === 0)
  while (asked.length === 0) await new Promise((r) => setTimeout(r, 2))
  // Seek to the lowest of the pieces rarest-first has just asked for (under no hold).
  const first = Math.min(...asked)
  const last = Math.min(info.pieceCount - 1, first + 39)
  const release = seeking.torrent.prioritize(first * PL, (first + 60) * PL, 'deadline')
  while (seeking.torrent.downloaded === 0) await new Promise((r) => setTimeout(r, 2))
  const pending = new Set(asked)
  const missing = [...Array(last - first + 1).keys()].map((k) => first + k).filter((i) => !pending.has(i))
  assert.deepEqual(missing, [], `the seek to piece ${first} asked for its first 640 KiB at once`)
  release()
  await seeking.completed
  assert.deepEqual(assembled(seeking.store, info), bytes)
})

test('of two deadline holds, the one with fewer stored pieces ahead of its player is fetched first; ties go to the newest', async () => {
  const { info } = await makeTorrent(40 * PL, PL)
  const p = new PiecePriorities(info)
  const have = new Bitfield(info.pieceCount)
  p.hold(30 * PL, 34 * PL, 'deadline') // the seek: nothing stored there
  p.hold(2 * PL, 8 * PL, 'deadline') // newer, a re-read of stored pieces 2-4
  for (const i of [2, 3, 4]) have.set(i)
  assert.deepEqual([...p.ordered(DEADLINE, have)].slice(0, 5), [30, 31, 32, 33, 2])
  assert.deepEqual([...p.ordered(DEADLINE)].slice(0, 2), [2, 3], 'without a bitfield: newest first')
  const q = new PiecePriorities(info)
  q.hold(30 * PL, 32 * PL, 'deadline')
  q.hold(10 * PL, 12 * PL, 'deadline')
  assert.deepEqual([...q.ordered(DEADLINE, have)], [10, 11, 30, 31], 'neither has stored pieces ahead: the newest first')
})

test('a deadline that opens on a stored piece cancels nothing; one that opens on a missing piece cancels the rest', async () => {
  // File 0 is pieces 0-10 and the only one chosen, so the leecher stores exactly those and then
  // fetches only what holds ask for: piece 11 is missing and not being fetched.
  const { info, store, full } = await makeTorrent(64 * PL, PL, [11 * PL, 53 * PL])
  const seeder = makeNode(info.infoHash, info, full, store)
  const leecher = makeNode(info.infoHash, info, null, undefined, { downLimit: 16 * PL })
  leecher.torrent.select([true, false])
  const [, toSeeder] = connect(seeder, leecher, 150)
  const cancels = countCancels(toSeeder)
  await Promise.all([...Array(11).keys()].map((i) => leecher.torrent.whenStored(i)))
  const releaseAhead = leecher.torrent.prioritize(20 * PL, 30 * PL, 'readahead')
  while (leecher.torrent.inFlight.length === 0) await new Promise((r) => setTimeout(r, 2))
  // A player re-reading from stored piece 10 on into missing 11-13.
  const releaseReread = leecher.torrent.prioritize(10 * PL, 14 * PL, 'deadline')
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(cancels.n, 0, 'a player re-reading stored piece 10 took nothing from the read-ahead')
  // A player's window sliding on to missing piece 30 is no seek either.
  const releaseSlide = leecher.torrent.prioritize(30 * PL, 34 * PL, 'deadline', { jump: false })
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(cancels.n, 0, 'a deadline that only slides cancels nothing')
  const releaseSeek = leecher.torrent.prioritize(40 * PL, 44 * PL, 'deadline')
  await new Promise((r) => setTimeout(r, 20))
  assert.ok(cancels.n > 0, 'the seek to missing piece 40 cancelled what was asked for elsewhere')
  releaseSeek()
  releaseSlide()
  releaseReread()
  releaseAhead()
})

test('holds go in rank order: a hold keeps the rank it is given, so a sliding window does not jump the queue', async () => {
  const { info } = await makeTorrent(40 * PL, PL)
  const p = new PiecePriorities(info)
  const oldRequest = holdRank()
  p.hold(30 * PL, 32 * PL, 'deadline') // the seek, newer than the old request
  p.hold(10 * PL, 12 * PL, 'deadline', oldRequest) // the old request's window moved on
  p.hold(20 * PL, 21 * PL, 'deadline', -holdRank()) // a background request ranks below all
  assert.deepEqual([...p.ordered(DEADLINE)], [30, 31, 10, 11, 20])
})
