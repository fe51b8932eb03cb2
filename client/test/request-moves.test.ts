// Requests moved to a peer that announces a piece (request-moves.ts): off a seed's queue, but
// not the pieces the seed has probably started sending, which would then arrive twice.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BLOCK_SIZE, Bitfield } from '../../shared/pieces'
import { ActivePiece } from '../src/lib/engine/active-piece'
import { Peer } from '../src/lib/engine/peer'
import { RequestMoves } from '../src/lib/engine/request-moves'
import type { WireSession } from '../src/lib/engine/wire-session'

const PIECE = 4 * BLOCK_SIZE
const PIECES = 8

/** A peer whose session records what we send it. */
function peer(id: string, complete: boolean): { peer: Peer; sent: { type: string; index?: number }[] } {
  const sent: { type: string; index?: number }[] = []
  const session = { send: (m: { type: string; index?: number }) => sent.push(m), isClosed: false } as unknown as WireSession
  const p = new Peer(id, id, session)
  p.peerChoking = false
  p.bits = new Bitfield(PIECES)
  if (complete) for (let i = 0; i < PIECES; i++) p.bits.set(i)
  return { peer: p, sent }
}

/** Asks `p` for every block of `index` at time `at` (ms), as the downloader would. */
function ask(p: Peer, piece: ActivePiece, at: number): void {
  for (let b = 0; b < piece.blockCount; b++) {
    piece.markRequested(b, p.id)
    p.addOutstanding({ index: piece.index, begin: b * BLOCK_SIZE, length: BLOCK_SIZE })
    p.outstanding.get(piece.index)!.get(b * BLOCK_SIZE)!.sentAt = at
  }
}

test('a piece at the back of a seed\'s queue moves to the neighbour that announces it; the one at its head stays', () => {
  const seed = peer('seed', true)
  const neighbour = peer('neighbour', false)
  const active = new Map<number, ActivePiece>()
  for (let i = 0; i < 3; i++) active.set(i, new ActivePiece(i, PIECE))
  // Piece 0 asked first (the seed is sending it), then 1 and 2: 128 KiB queued ahead of piece 2.
  ask(seed.peer, active.get(0)!, 1000)
  ask(seed.peer, active.get(1)!, 1001)
  ask(seed.peer, active.get(2)!, 1002)
  const moves = new RequestMoves({ active, peers: () => [seed.peer, neighbour.peer], fill: () => undefined })

  neighbour.peer.bits!.set(0)
  moves.toAnnouncer(neighbour.peer, 0)
  assert.equal(seed.sent.filter((m) => m.type === 'cancel').length, 0, 'the head of the queue is left to the seed')
  assert.equal(neighbour.sent.length, 0)

  neighbour.peer.bits!.set(2)
  moves.toAnnouncer(neighbour.peer, 2)
  assert.deepEqual(seed.sent.filter((m) => m.type === 'cancel').map((m) => m.index), [2, 2, 2, 2], 'piece 2 is cancelled at the seed')
  assert.deepEqual(neighbour.sent.map((m) => `${m.type} ${m.index}`), ['request 2', 'request 2', 'request 2', 'request 2'])
  assert.equal(seed.peer.outstandingCount, 8)
  assert.equal(neighbour.peer.outstandingCount, 4)
})
