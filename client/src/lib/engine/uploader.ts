// Serving blocks to peers we have unchoked. Each peer's queue is bounded (MAX_PEER_REQUESTS);
// we read the next block only while that peer's channel has room and the upload limit allows,
// so nothing piles up in memory when a peer is slower than our disk.
import { BLOCK_SIZE } from '@shared/pieces'
import type { BlockRequest, Peer } from './peer'
import { MAX_PEER_REQUESTS } from './peer'
import type { TokenBucket } from './rate'

export interface UploaderHost {
  hasPiece(index: number): boolean
  /** Block slots per piece and pieces, to count how often each block went out. */
  blocksPerPiece(): number
  pieceCount(): number
  readonly upLimit: TokenBucket
  pieceLength(index: number): number
  readPiece(index: number): Promise<Uint8Array | null>
  uploaded(peer: Peer, bytes: number): void
}

/** Largest block we serve; BEP 3 clients ask for 16 KiB, some for up to 128 KiB. */
const MAX_BLOCK = 128 * 1024

export class Uploader {
  private readonly pumping = new WeakSet<Peer>()
  /** Peers waiting their turn at the upload limit: how to leave the queue. */
  private readonly waiting = new WeakMap<Peer, () => void>()

  /** Times each block was sent (saturating): the least-sent block is served first. */
  private sent: Uint8Array | null = null
  /** Per peer, a bit per block sent to it: its own earlier copy does not count against it. */
  private readonly sentTo = new WeakMap<Peer, Uint8Array>()

  constructor(private readonly host: UploaderHost) {}

  private blockKey(r: BlockRequest): number {
    return r.index * this.host.blocksPerPiece() + Math.floor(r.begin / BLOCK_SIZE)
  }

  private sentBits(peer: Peer): Uint8Array {
    let bits = this.sentTo.get(peer)
    if (!bits) this.sentTo.set(peer, (bits = new Uint8Array(Math.ceil((this.host.pieceCount() * this.host.blocksPerPiece()) / 8))))
    return bits
  }

  /** How often the block went out to peers other than `peer` (a copy it dropped is not theirs). */
  private sentToOthers(sent: Uint8Array, own: Uint8Array, key: number): number {
    const c = sent[key] ?? 0
    return c > 0 && (own[key >> 3]! & (1 << (key & 7))) !== 0 ? c - 1 : c
  }

  /**
   * Serve the queued request whose block went out to others the fewest times so far. A seeder
   * thus spreads fresh blocks first; a duplicate request (a leecher asking for what another was
   * just sent) waits, and is usually cancelled once that leecher hears a `have` from its
   * neighbour. With one peer this is plain FIFO, also for blocks it asks for again (a stream
   * that seeked away and back: counting its own copy starved them for 20-40 s while fresh
   * read-ahead kept arriving). No ageing: serving passed-over duplicates after a few seconds
   * was tried and cost the capped four-leecher swarm its trading (one leecher uploaded nothing
   * in three runs of three).
   */
  private nextRequest(peer: Peer): number {
    const q = peer.uploadQueue
    const sent = (this.sent ??= new Uint8Array(this.host.pieceCount() * this.host.blocksPerPiece()))
    const own = this.sentBits(peer)
    let best = 0
    let bestCount = this.sentToOthers(sent, own, this.blockKey(q[0]!))
    for (let i = 1; i < q.length && bestCount > 0; i++) {
      const c = this.sentToOthers(sent, own, this.blockKey(q[i]!))
      if (c < bestCount) {
        best = i
        bestCount = c
      }
    }
    return best
  }

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
        const at = this.nextRequest(peer)
        const r = peer.uploadQueue[at]!
        if (this.host.upLimit.take(r.length) > 0) {
          // Peers take turns at the limit (rate.ts): each gets its share of the fresh pieces.
          this.waiting.set(peer, this.host.upLimit.queue(r.length, () => {
            this.waiting.delete(peer)
            void this.pump(peer)
          }))
          return
        }
        peer.uploadQueue.splice(at, 1)
        const key = this.blockKey(r)
        const own = this.sentBits(peer)
        const mask = 1 << (key & 7)
        // Counted once per peer: a peer asking again for a block it dropped adds no copy.
        if ((own[key >> 3]! & mask) === 0) {
          own[key >> 3]! |= mask
          if (this.sent && this.sent[key]! < 255) this.sent[key]!++
        }
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

  /**
   * A peer left: the blocks it was sent are no longer in the swarm, so they stop counting
   * against others. Otherwise a leecher's request for a block the seeder once sent a peer that
   * has since gone waited behind every fresh block in its queue: in the stream benchmark a
   * seek's piece that an earlier viewer tab had fetched waited 8 s while the read-ahead after
   * it went out.
   */
  forget(peer: Peer): void {
    this.clear(peer)
    const own = this.sentTo.get(peer)
    this.sentTo.delete(peer)
    if (!own || !this.sent) return
    for (let byte = 0; byte < own.length; byte++) {
      if (own[byte] === 0) continue
      for (let bit = 0; bit < 8; bit++) {
        const key = byte * 8 + bit
        // A saturated count (255) no longer knows how many it stands for: it stays.
        if ((own[byte]! & (1 << bit)) !== 0 && this.sent[key]! > 0 && this.sent[key]! < 255) this.sent[key]!--
      }
    }
  }

  /** Choking a peer discards what it asked for. */
  clear(peer: Peer): void {
    peer.uploadQueue.length = 0
    this.waiting.get(peer)?.()
    this.waiting.delete(peer)
  }
}
