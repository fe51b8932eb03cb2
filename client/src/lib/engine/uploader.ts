// Serving blocks to peers we have unchoked. Each peer's queue is bounded (MAX_PEER_REQUESTS);
// we read the next block only while that peer's channel has room and the upload limit allows,
// so nothing piles up in memory when a peer is slower than our disk.
import type { BlockRequest, Peer } from './peer'
import { MAX_PEER_REQUESTS } from './peer'
import type { TokenBucket } from './rate'

export interface UploaderHost {
  hasPiece(index: number): boolean
  readonly upLimit: TokenBucket
  pieceLength(index: number): number
  readPiece(index: number): Promise<Uint8Array | null>
  uploaded(peer: Peer, bytes: number): void
}

/** Largest block we serve; BEP 3 clients ask for 16 KiB, some for up to 128 KiB. */
const MAX_BLOCK = 128 * 1024

export class Uploader {
  private readonly pumping = new WeakSet<Peer>()
  private readonly waiting = new WeakMap<Peer, ReturnType<typeof setTimeout>>()

  constructor(private readonly host: UploaderHost) {}

  onRequest(peer: Peer, r: BlockRequest): void {
    // A choked peer's requests are dropped (BEP 3); so are ones for pieces we lack or out of range.
    if (peer.amChoking || !this.host.hasPiece(r.index)) return
    if (r.length <= 0 || r.length > MAX_BLOCK || r.begin < 0 || r.begin + r.length > this.host.pieceLength(r.index)) return
    if (peer.uploadQueue.length >= MAX_PEER_REQUESTS) return
    peer.uploadQueue.push(r)
    void this.pump(peer)
  }

  onCancel(peer: Peer, r: BlockRequest): void {
    const i = peer.uploadQueue.findIndex((q) => q.index === r.index && q.begin === r.begin && q.length === r.length)
    if (i >= 0) peer.uploadQueue.splice(i, 1)
  }

  /** Called when a peer's channel drains or the peer is unchoked. */
  async pump(peer: Peer): Promise<void> {
    if (this.pumping.has(peer) || this.waiting.has(peer)) return
    this.pumping.add(peer)
    try {
      while (peer.uploadQueue.length > 0 && !peer.amChoking && !peer.session.isClosed && !peer.session.congested) {
        const r = peer.uploadQueue[0]!
        const wait = this.host.upLimit.take(r.length)
        if (wait > 0) {
          this.waiting.set(
            peer,
            setTimeout(() => {
              this.waiting.delete(peer)
              void this.pump(peer)
            }, wait),
          )
          return
        }
        peer.uploadQueue.shift()
        const piece = await this.host.readPiece(r.index)
        if (!piece || peer.session.isClosed) continue
        peer.session.sendPiece(r.index, r.begin, piece.subarray(r.begin, r.begin + r.length))
        peer.up.add(r.length)
        this.host.uploaded(peer, r.length)
      }
    } finally {
      this.pumping.delete(peer)
    }
  }

  /** Choking a peer discards what it asked for. */
  clear(peer: Peer): void {
    peer.uploadQueue.length = 0
    const t = this.waiting.get(peer)
    if (t) clearTimeout(t)
    this.waiting.delete(peer)
  }
}
