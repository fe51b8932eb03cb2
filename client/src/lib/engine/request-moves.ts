// Requests taken back from one peer to be asked elsewhere: when a neighbour announces a piece
// a seed was asked for, and when a seek makes what was asked for later wait. The Downloader
// owns one; what it asks is then asked again through its usual fill.
import { BLOCK_SIZE } from '@shared/pieces'
import type { ActivePiece } from './active-piece'
import type { Peer } from './peer'

export interface MovesHost {
  readonly active: Map<number, ActivePiece>
  peers(): Iterable<Peer>
  fill(peer: Peer): void
}

/** Cancels what `peer` was asked of piece `index` and frees those blocks of `piece`. */
function takeBack(peer: Peer, index: number, piece: ActivePiece): void {
  const asked = peer.outstanding.get(index)
  if (!asked) return
  for (const r of [...asked.values()]) {
    peer.takeOutstanding(index, r.begin)
    peer.session.send({ type: 'cancel', index, begin: r.begin, length: r.length })
    piece.release(r.begin / BLOCK_SIZE, peer.id)
  }
}

/** Time a request at the head of a peer's queue may already be on its way back (see likelySent). */
const IN_FLIGHT_S = 0.25
const IN_FLIGHT_MIN = 2 * BLOCK_SIZE

/**
 * Whether `peer` has probably started sending piece `index` already: less than IN_FLIGHT_S of
 * its rate was asked of it before the piece. A cancel cannot recall what is on its way, and
 * the blocks asked again elsewhere then arrive twice: in the capped four-leecher e2e test,
 * moves off the seed made most of what the leechers received twice (0.3-1.0 MiB each of a
 * 16 MiB file, counted by cause in one run), the seed's blocks arriving after all. Without
 * such moves the leechers received 16.0-16.2 MiB each, against 16.5-16.9 MiB with them.
 */
function likelySent(peer: Peer, index: number): boolean {
  const mine = peer.outstanding.get(index)
  if (!mine) return false
  let first = Infinity
  for (const r of mine.values()) first = Math.min(first, r.sentAt)
  let ahead = 0
  for (const [i, m] of peer.outstanding) {
    if (i === index) continue
    for (const r of m.values()) if (r.sentAt < first) ahead += r.length
  }
  return ahead < Math.max(IN_FLIGHT_MIN, peer.down.rate() * IN_FLIGHT_S)
}

export class RequestMoves {
  constructor(private readonly host: MovesHost) {}

  /**
   * A peer announced a piece we have asked others for but received nothing of yet. Move the
   * request to it when it has room and the peer we asked is a seed (a seed's upload is the
   * swarm's scarce resource: what a neighbour holds should come from the neighbour) or is no
   * faster. Otherwise every leecher keeps waiting on a slow seed for pieces its neighbours
   * already hold, and the seed sends each of them several times. A piece the peer has
   * probably started sending stays with it (likelySent).
   */
  toAnnouncer(peer: Peer, index: number): void {
    const piece = this.host.active.get(index)
    if (!piece || piece.received > 0 || peer.peerChoking) return
    const roomy = peer.outstandingCount < peer.pipelineDepth(BLOCK_SIZE)
    const rate = peer.down.rate()
    const moved: Peer[] = []
    for (const other of this.host.peers()) {
      if (other === peer || !other.outstanding.has(index)) continue
      // From a seed always (even past the announcer's pipeline depth: one piece more is
      // cheap, a duplicate from the seed is not); from a leecher only if it is no faster.
      const seed = !!other.bits?.isComplete()
      if (!seed && (!roomy || other.down.rate() > rate)) continue
      if (likelySent(other, index)) continue
      takeBack(other, index, piece)
      moved.push(other)
    }
    if (moved.length === 0) return
    // The announcer takes the freed blocks at once; then the others refill elsewhere.
    for (let block = piece.nextBlock(peer.id, false); block >= 0; block = piece.nextBlock(peer.id, false)) {
      const length = piece.blockLength(block)
      piece.markRequested(block, peer.id)
      peer.addOutstanding({ index, begin: block * BLOCK_SIZE, length })
      peer.session.send({ type: 'request', index, begin: block * BLOCK_SIZE, length })
    }
    for (const other of moved) this.host.fill(other)
  }

  /**
   * Pieces started for later give way to the deadline [first, last]: their requests are
   * cancelled, so the peers' queues serve the new position first instead of the old read-ahead
   * (a capped seed otherwise spends half a second on bytes nobody waits for). A piece with no
   * byte yet goes back to the picker; one partly received keeps its bytes and asks for the rest
   * once the deadline pieces are asked for (deadline blocks come first in the Downloader).
   */
  outside(first: number, last: number): void {
    for (const [index, piece] of this.host.active) {
      if (index >= first && index <= last) continue
      for (const peer of this.host.peers()) takeBack(peer, index, piece)
      if (piece.received === 0) this.host.active.delete(index)
    }
  }
}
