// What follows a piece's hash check for one torrent: a verified piece is announced and written
// (with the bitfield its record keeps), a stored one counts as had and may turn downloading
// into seeding, a failed one strikes the peers that sent its blocks. Torrent owns one.
import { Bitfield } from '@shared/pieces'
import type { Downloader } from './downloader'
import type { Peer } from './peer'
import type { PieceWaiters } from './piece-waiters'
import { Strikes } from './strikes'
import type { Torrent } from './torrent'
import type { TorrentDeps } from './torrent-types'

/** The torrent's own fields read here; `state` is also moved between downloading and seeding. */
type CompletionTorrent = Pick<Torrent, 'infoHash' | 'info' | 'have' | 'peers' | 'state' | 'complete' | 'strike'>

/** What completion needs of the torrent's private parts. */
export interface PieceCompletionParts {
  readonly waiters: PieceWaiters
  readonly strikes: Strikes
  downloader(): Downloader | null
  updateInterest(peer: Peer): void
  /** The whole torrent is verified and stored (TorrentDeps.completed). */
  completed(): void
}

export class PieceCompletion {
  /** Verified pieces whose write is still queued: announced and served already (the store reads them back from its queue). */
  readonly servable = new Set<number>()
  /** Pieces stored or queued for storing: what the next write's bitfield says we have. */
  private written: Bitfield | null = null

  constructor(
    private readonly torrent: CompletionTorrent,
    private readonly deps: Pick<TorrentDeps, 'store' | 'onChange'>,
    private readonly parts: PieceCompletionParts,
  ) {}

  /**
   * Each write carries the bitfield of every piece written so far, including ones still queued
   * (writes commit in order, so a later bitfield never lands before the pieces it names); the
   * record thus never claims a piece that is not stored, and never forgets one that is.
   */
  async storePiece(index: number, bytes: Uint8Array): Promise<void> {
    const t = this.torrent
    const written = (this.written ??= Bitfield.fromBytes(t.have!.toBytes(), t.info!.pieceCount))
    written.set(index)
    // Tell peers now rather than after the IndexedDB commit: in a swarm, every millisecond a
    // piece sits unannounced is a millisecond in which others fetch it from the seeder too.
    this.servable.add(index)
    for (const peer of t.peers.values()) if (peer.handshaken) peer.session.send({ type: 'have', index })
    try {
      await this.deps.store.writePiece(t.infoHash, index, bytes, written.toBytes())
    } catch (err) {
      written.set(index, false)
      throw err
    } finally {
      this.servable.delete(index)
    }
  }

  onPieceDone(index: number, bytes: Uint8Array): void {
    const t = this.torrent
    const have = t.have!
    have.set(index)
    this.parts.waiters.stored(index, bytes)
    for (const peer of t.peers.values()) if (peer.amInterested) this.parts.updateInterest(peer)
    if (t.state === 'downloading' && t.complete) {
      t.state = 'seeding'
      for (const peer of t.peers.values()) this.parts.updateInterest(peer)
    }
    // "completed" (the tracker's event, the stored role) means the whole torrent, not a selection.
    if (have.isComplete()) this.parts.completed()
    this.deps.onChange()
  }

  onPieceFailed(index: number, contributors: ReadonlySet<string>): void {
    const weight = Strikes.weightFor(contributors)
    for (const id of contributors) {
      const peer = this.torrent.peers.get(id)
      if (peer) this.torrent.strike(peer, `piece ${index} failed its hash check`, weight)
      else this.parts.strikes.add(id, weight)
    }
    this.parts.downloader()?.fillAll()
  }

  /** After the wanted set changed: move between downloading and seeding, redo interest, refill. */
  recheck(): void {
    const t = this.torrent
    if (t.state === 'downloading' && t.complete) t.state = 'seeding'
    else if (t.state === 'seeding' && !t.complete) t.state = 'downloading'
    for (const peer of t.peers.values()) this.parts.updateInterest(peer)
    this.parts.downloader()?.fillAll()
    this.deps.onChange()
  }
}
