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

/** Cancels what `peer` was asked of piece `index` and frees those blocks of `piece`; false if nothing was asked. */
function takeBack(peer: Peer, index: number, piece: ActivePiece): boolean {
  const asked = peer.outstanding.get(index)
  if (!asked) return false
  for (const r of [...asked.values()]) {
    peer.takeOutstanding(index, r.begin)
    peer.session.send({ type: 'cancel', index, begin: r.begin, length: r.length })
    piece.release(r.begin / BLOCK_SIZE, peer.id)
  }
  return true
}

export class RequestMoves {
  constructor(private readonly host: MovesHost) {}

  /**
   * A peer announced a piece we have asked others for but received nothing of yet. Move the
   * request to it when it has room and the peer we asked is a seed (a seed's upload is the
   * swarm's scarce resource: what a neighbour holds should come from the neighbour) or is no
   * faster. Otherwise every leecher keeps waiting on a slow seed for pieces its neighbours
   * already hold, and the seed sends each of them several times.
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
