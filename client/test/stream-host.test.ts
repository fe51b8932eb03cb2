// The runner tab's side of streaming: which of a player's requests go first and which cancel
// others, as StreamHost tells the engine (a fake torrent records every hold).
import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import type { PrioritizeOptions } from '../src/lib/engine/torrent'
import { StreamHost, type SeekHint } from '../src/lib/stream/host'
import type { Level, StreamMessage } from '../src/lib/stream/messages'
import { tolerance } from '../src/lib/stream/seek-focus'

const MiB = 1024 * 1024
const PL = 128 * 1024
const FILE = 400 * MiB
const H = 'c'.repeat(40)

interface Hold {
  start: number
  end: number
  level: Level
  rank: number
  jump: boolean
  released: boolean
}

class FakeTorrent {
  holds: Hold[] = []
  prioritize(start: number, end: number, level: Level, opts: PrioritizeOptions = {}): () => void {
    const h: Hold = { start, end, level, rank: opts.rank ?? 0, jump: opts.jump !== false, released: false }
    this.holds.push(h)
    return () => (h.released = true)
  }
  whenStored(): Promise<Uint8Array | null> {
    return new Promise(() => {}) // nothing arrives in these tests
  }
  pieceAt(offset: number): number {
    return Math.floor(offset / PL)
  }
  fileSpan(i: number): { offset: number; length: number } | null {
    return i === 0 ? { offset: 0, length: FILE } : null
  }
  /** Live deadline holds, highest rank first: the engine's fetch order. */
  order(): number[] {
    return this.holds.filter((h) => !h.released && h.level === 'deadline').sort((a, b) => b.rank - a.rank).map((h) => h.start)
  }
  last(): Hold {
    return this.holds.at(-1)!
  }
}

const hosts: StreamHost[] = []
afterEach(() => hosts.splice(0).forEach((h) => h.close()))

function setup(): { torrent: FakeTorrent; host: StreamHost; need(id: string, at: number): void } {
  const torrent = new FakeTorrent()
  const host = new StreamHost((h) => (h === H ? torrent : null))
  hosts.push(host)
  // The worker's messages arrive through the channel; the host's handler is what they reach.
  const deliver = (m: StreamMessage): void => (host as unknown as { onMessage(m: StreamMessage): void }).onMessage(m)
  return {
    torrent,
    host,
    need: (id, at) => deliver({ kind: 'need', id, infoHash: H, piece: Math.floor(at / PL), deadline: [at, at + 4 * MiB], readahead: [at, at + 30 * MiB] }),
  }
}

const seek = (position: number): SeekHint => ({ kind: 'seek', infoHash: H, fileIndex: 0, position })

test("a request's window sliding forward keeps its rank and cancels nothing; a new request is a jump and goes first", () => {
  const { torrent, need } = setup()
  need('p-0', 0)
  const first = torrent.holds[0]!
  assert.ok(first.jump)
  need('p-1', 200 * MiB) // a seek with no hint (a player that sends none)
  const seekRank = torrent.last().rank
  assert.ok(seekRank > first.rank && torrent.last().jump)
  need('p-0', 1 * MiB) // the old request reads on
  const slid = torrent.holds.filter((h) => h.start === 1 * MiB && h.level === 'deadline')[0]!
  assert.equal(slid.rank, first.rank, 'the slide keeps the old rank')
  assert.equal(slid.jump, false, 'and is not a seek')
  assert.ok(first.released, 'the old window was released')
  assert.deepEqual(torrent.order(), [200 * MiB, 1 * MiB])
})

test('after a seek hint, a new request far from where the player seeks to is background; the seek is served first', () => {
  const { torrent, host, need } = setup()
  need('p-0', 0)
  host.seek(seek(200 * MiB))
  const hint = torrent.last()
  assert.equal(hint.start, 200 * MiB)
  assert.ok(hint.jump, 'the hint cancels requests started elsewhere')
  assert.ok(hint.end - hint.start <= 512 * 1024)
  need('p-1', 200 * MiB + 3 * MiB) // the player's own request, a keyframe off the guess
  const own = torrent.holds.find((h) => h.start === 200 * MiB + 3 * MiB)!
  assert.ok(own.jump && own.rank > 0)
  need('p-2', 1 * MiB) // Chromium re-opens a request where it was
  const background = torrent.holds.find((h) => h.start === 1 * MiB)!
  assert.equal(background.jump, false, 'the re-read cancels nothing')
  assert.ok(background.rank < 0, 'and ranks below every other request')
  assert.deepEqual(torrent.order().slice(0, 2), [200 * MiB + 3 * MiB, 200 * MiB], "the player's own request, then the hint")
  assert.equal(torrent.order().at(-1), 1 * MiB)
  assert.ok(tolerance(FILE) >= 8 * MiB && tolerance(FILE) < 200 * MiB)
})

test("a hint that arrives after the player's request lifts that request above the others, and holds no guess of its own", () => {
  const { torrent, host, need } = setup()
  need('p-1', 300 * MiB) // the seek's request came first
  need('p-0', 0) // newer: an unrelated request from the start
  assert.deepEqual(torrent.order(), [0, 300 * MiB])
  host.seek(seek(300 * MiB - PL)) // the guess, a piece before where the player reads
  assert.deepEqual(torrent.order(), [300 * MiB, 0], 'the request at the seek target first, and no piece of the guess before it')
  assert.ok(torrent.last().jump, 'lifted as a jump: it cancels what was asked elsewhere, as the hint would have')
})

test('a second seek whose request beats its hint is still a jump', () => {
  const { torrent, host, need } = setup()
  need('p-0', 0)
  host.seek(seek(200 * MiB))
  need('p-1', 200 * MiB)
  need('p-2', 400 * MiB) // the next seek's request, far from the last seek's target: judged background
  assert.equal(torrent.last().jump, false)
  host.seek(seek(400 * MiB)) // its hint, a moment later
  const lifted = torrent.holds.filter((h) => h.start === 400 * MiB && !h.released && h.level === 'deadline')
  assert.equal(lifted.length, 1)
  assert.ok(lifted[0]!.jump && lifted[0]!.rank > 0, 'lifted above everything, cancelling the old read-ahead')
  assert.equal(torrent.order()[0], 400 * MiB)
})

test('a hint near a request the player opened long before (a short seek ahead) is still held', (t) => {
  t.mock.timers.enable({ apis: ['Date', 'setTimeout', 'setInterval'] })
  const { torrent, host, need } = setup()
  need('p-0', 10 * MiB)
  t.mock.timers.tick(5000)
  host.seek(seek(12 * MiB))
  assert.deepEqual(torrent.order(), [12 * MiB, 10 * MiB], 'the guess goes first')
})

test('a hint for a torrent this tab does not run, or a file it does not have, holds nothing', () => {
  const { torrent, host } = setup()
  host.seek({ kind: 'seek', infoHash: 'd'.repeat(40), fileIndex: 0, position: 0 })
  host.seek({ kind: 'seek', infoHash: H, fileIndex: 3, position: 0 })
  assert.equal(torrent.holds.length, 0)
})
