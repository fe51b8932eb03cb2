// One torrent: its pieces, its peers and the BEP 3/10 conversation with each. Downloading,
// uploading, metadata and choking live in their own classes; this file wires them together.
import { BLOCK_SIZE, Bitfield, pieceLengthAt } from '@shared/pieces'
import type { TorrentInfo } from '@shared/torrent'
import { bytesToHex } from '@shared/binary'
import { decodeExtHandshake, encodeExtHandshake } from '@shared/wire'
import type { Handshake, WireMessage } from '@shared/wire'
import { Choker } from './choker'
import { Downloader } from './downloader'
import { MetadataExchange, UT_METADATA_ID } from './metadata'
import { replacesExisting } from './glare'
import { Peer } from './peer'
import { ensurePeerBits, onBitfield, onHave, type PeerPiecesHost } from './peer-pieces'
import { PieceWaiters } from './piece-waiters'
import { PiecePriorities, type HoldLevel } from './priority'
import type { PeerChannel } from './rtc'
import { BAN_STRIKES, Strikes } from './strikes'
import { availability, downloadRate, uploadRate } from './torrent-stats'
import type { TorrentDeps, TorrentState } from './torrent-types'
import { Uploader } from './uploader'
import { WireSession } from './wire-session'

/** Peers per torrent: enough for a healthy swarm, few enough for a tab's CPU. */
export const MAX_PEERS = 12

export class Torrent {
  info: TorrentInfo | null
  have: Bitfield | null = null
  /** Verified pieces whose write is still queued: announced and served already (the store reads them back from its queue). */
  private readonly servable = new Set<number>()
  /** Pieces stored or queued for storing: what the next write's bitfield says we have. */
  private written: Bitfield | null = null
  state: TorrentState
  error: string | null = null
  readonly peers = new Map<string, Peer>()
  private readonly strikes = new Strikes()
  /** Piece bytes moved since this tab opened the torrent. */
  uploaded = 0
  downloaded = 0
  /** Totals from earlier sessions, restored from IndexedDB; reported to the tracker with ours. */
  previousUploaded = 0
  previousDownloaded = 0
  private downloader: Downloader | null = null
  /** Peers that speak BEP 10 and were sent our extension handshake. */
  private readonly extended = new WeakSet<Peer>()
  /** Piece priorities (file selection, streaming holds); null until the metadata is known. */
  priorities: PiecePriorities | null = null
  private readonly waiters = new PieceWaiters()
  /** While holds exist, re-fill now and then: a late deadline piece gets a second peer. */
  private holdTimer: ReturnType<typeof setInterval> | null = null
  private readonly uploader: Uploader
  private readonly metadata: MetadataExchange
  private readonly choker: Choker
  private readonly peerIdHex: string
  private readonly pieces: PeerPiecesHost = {
    pieceCount: () => this.info?.pieceCount ?? null,
    picker: () => this.downloader?.picker,
    invalid: (peer, reason) => this.strike(peer, reason, BAN_STRIKES),
    changed: (peer) => this.updateInterest(peer),
  }

  constructor(
    readonly infoHash: string,
    public name: string,
    info: TorrentInfo | null,
    bitfield: Uint8Array | null,
    private readonly deps: TorrentDeps,
    /** The remembered file selection (null: every file). */
    selection: readonly boolean[] | null = null,
  ) {
    this.info = info
    this.peerIdHex = bytesToHex(deps.peerId)
    this.state = info ? 'downloading' : 'metadata'
    if (info) this.setInfo(info, bitfield, selection)
    this.uploader = new Uploader({
      hasPiece: (i) => !!this.have?.has(i) || this.servable.has(i),
      blocksPerPiece: () => (this.info ? Math.ceil(this.info.pieceLength / BLOCK_SIZE) : 1),
      pieceCount: () => this.info?.pieceCount ?? 0,
      upLimit: deps.limits.up,
      pieceLength: (i) => (this.info ? pieceLengthAt(this.info.length, this.info.pieceLength, i) : 0),
      readPiece: (i) => deps.store.readPiece(this.infoHash, i),
      uploaded: (_peer, bytes) => {
        this.uploaded += bytes
      },
    })
    this.metadata = new MetadataExchange({
      infoHash,
      info: () => this.info,
      peers: () => this.peers.values(),
      gotInfo: (i, from) => void this.onMetadata(i, from),
      rejected: (peer, reason) => this.strike(peer, reason, 1),
    })
    this.choker = new Choker({
      peers: () => [...this.peers.values()],
      seeding: () => this.state === 'seeding',
      choke: (p) => {
        p.amChoking = true
        this.uploader.clear(p)
        p.session.send({ type: 'choke' })
      },
      unchoke: (p) => {
        p.amChoking = false
        p.session.send({ type: 'unchoke' })
      },
    })
  }

  private setInfo(info: TorrentInfo, bitfield: Uint8Array | null, selection: readonly boolean[] | null = null): void {
    this.info = info
    this.name = info.name
    this.have = bitfield ? Bitfield.fromBytes(bitfield, info.pieceCount) : new Bitfield(info.pieceCount)
    // A stored selection that no longer fits the file list is ignored rather than trusted.
    const priorities = new PiecePriorities(info, selection?.length === info.files.length ? selection : null)
    this.priorities = priorities
    this.state = this.complete ? 'seeding' : 'downloading'
    if (priorities.noneSelected) this.pauseUnselected()
    this.downloader = new Downloader({
      info,
      have: this.have,
      priorities,
      downLimit: this.deps.limits.down,
      peers: () => this.peers.values(),
      canDownload: () => this.state === 'downloading',
      verify: (buf, expected) => this.deps.pool.verify(buf, expected),
      storePiece: (i, bytes) => this.storePiece(i, bytes),
      // A stream waiting on a piece gets its bytes once verified, not after the IndexedDB commit
      // (tens of milliseconds on a busy disk): the hash already vouches for them.
      pieceVerified: (i, bytes) => this.waiters.stored(i, bytes),
      pieceDone: (i, bytes) => this.onPieceDone(i, bytes),
      pieceFailed: (i, who) => this.onPieceFailed(i, who),
      storageFailed: (err) => this.fail(err, true),
    })
  }

  /** Every wanted piece (of the chosen files, and under any hold) is verified and stored. */
  get complete(): boolean {
    return !!this.have && !!this.priorities?.complete(this.have)
  }

  /**
   * Choose which files to download (one boolean per file). Pieces only of unchosen files are not
   * requested; with none chosen the torrent pauses and says why; choosing one again resumes.
   */
  select(selection: readonly boolean[]): void {
    const priorities = this.priorities
    if (!priorities) throw new Error('The file list is not known yet: wait for the metadata')
    const wasNone = priorities.noneSelected
    priorities.select(selection)
    if (priorities.noneSelected) return this.pauseUnselected()
    if (wasNone && this.state === 'paused') this.resume()
    this.recheck()
  }

  private pauseUnselected(): void {
    this.pause()
    this.error = 'Every file is unchecked, so there is nothing to download. Check a file to resume.'
  }

  /**
   * Raise the pieces under torrent bytes [start, end) to `level` until the returned function is
   * called: a player holds the range under its playhead at `deadline` and what follows at
   * `readahead`. Works on a seeding torrent with unchosen files too (it downloads again).
   */
  prioritize(start: number, end: number, level: HoldLevel): () => void {
    const priorities = this.priorities
    if (!priorities) throw new Error('The file list is not known yet: wait for the metadata')
    const release = priorities.hold(start, end, level)
    if (level === 'deadline' && end > start) {
      const pl = this.info!.pieceLength
      this.downloader?.yieldToDeadline(Math.floor(start / pl), Math.floor((end - 1) / pl))
    }
    this.recheck()
    this.holdTimer ??= setInterval(() => {
      if (!priorities.hasHolds) {
        clearInterval(this.holdTimer!)
        this.holdTimer = null
      }
      this.downloader?.fillAll()
    }, 500)
    return () => {
      release()
      this.recheck()
    }
  }

  pieceAt(offset: number): number {
    if (!this.info) throw new Error('The file list is not known yet: wait for the metadata')
    return Math.min(this.info.pieceCount - 1, Math.floor(offset / this.info.pieceLength))
  }

  /**
   * Resolves with piece `index`'s bytes once it is verified (its IndexedDB write is then under
   * way), or with null at once when it is stored already.
   */
  whenStored(index: number, signal?: AbortSignal): Promise<Uint8Array | null> {
    if (!this.info || index < 0 || index >= this.info.pieceCount || !Number.isInteger(index)) {
      return Promise.reject(new RangeError(`no piece ${index} in this torrent`))
    }
    if (this.have?.has(index)) return Promise.resolve(null)
    return this.waiters.wait(index, signal)
  }

  /** After the wanted set changed: move between downloading and seeding, redo interest, refill. */
  private recheck(): void {
    if (this.state === 'downloading' && this.complete) this.state = 'seeding'
    else if (this.state === 'seeding' && !this.complete) this.state = 'downloading'
    for (const peer of this.peers.values()) this.updateInterest(peer)
    this.downloader?.fillAll()
    this.deps.onChange()
  }

  get isActive(): boolean {
    return this.state !== 'paused' && this.state !== 'error'
  }

  get left(): number | null {
    if (!this.info || !this.have) return null
    let left = 0
    for (let i = 0; i < this.info.pieceCount; i++) {
      if (!this.have.has(i)) left += pieceLengthAt(this.info.length, this.info.pieceLength, i)
    }
    return left
  }

  start(): void {
    this.choker.start()
  }

  /** Hooks a freshly connected data channel up as a peer of this torrent. */
  attach(channel: PeerChannel, remoteId: string, name: string, weOffered: boolean | null = null): boolean {
    const existing = this.peers.get(remoteId)
    if (existing && replacesExisting(this.peerIdHex, remoteId, existing.weOffered, weOffered)) {
      existing.session.close('replaced by the connection both sides keep (glare)')
      this.onClose(existing)
    }
    if (!this.isActive || this.peers.has(remoteId) || this.banned.has(remoteId) || this.peers.size >= MAX_PEERS) {
      channel.close()
      return false
    }
    let peer: Peer | null = null
    const session = new WireSession(channel, {
      handshake: (h) => peer && this.onHandshake(peer, h),
      message: (m) => peer && this.onMessage(peer, m),
      drain: () => peer && void this.uploader.pump(peer),
      close: () => peer && this.onClose(peer),
    })
    peer = new Peer(remoteId, name, session, weOffered)
    this.peers.set(remoteId, peer)
    session.sendHandshake({ infoHash: this.infoHash, peerId: this.peerIdHex, extensions: true })
    this.deps.onChange()
    return true
  }

  private onHandshake(peer: Peer, h: Handshake): void {
    if (h.infoHash !== this.infoHash) return peer.session.close('handshake for another torrent')
    if (h.peerId === this.peerIdHex) return peer.session.close('connected to ourselves')
    peer.handshaken = true
    ensurePeerBits(this.pieces, peer)
    if (h.extensions) {
      this.extended.add(peer)
      this.sendExtHandshake(peer)
    }
    if (this.have && this.have.count() > 0) peer.session.send({ type: 'bitfield', bits: this.have.toBytes() })
    for (const index of this.servable) peer.session.send({ type: 'have', index })
  }

  /** Our BEP 10 handshake; `metadata_size` once we know the info dict (BEP 9). */
  private sendExtHandshake(peer: Peer): void {
    const metadataSize = this.info?.infoBytes.byteLength
    const payload = encodeExtHandshake({ m: { ut_metadata: UT_METADATA_ID }, v: 'Tabswarm 0.1', reqq: 1024, ...(metadataSize ? { metadataSize } : {}) })
    peer.session.send({ type: 'extended', id: 0, payload })
  }

  private onMessage(peer: Peer, m: WireMessage): void {
    switch (m.type) {
      case 'keep-alive':
      case 'port':
      case 'unknown':
        return
      case 'choke':
        peer.peerChoking = true
        this.downloader?.releasePeer(peer)
        this.downloader?.fillAll()
        return
      case 'unchoke':
        peer.peerChoking = false
        this.downloader?.fill(peer)
        return
      case 'interested':
        peer.peerInterested = true
        this.choker.onInterested(peer)
        return
      case 'not-interested':
        peer.peerInterested = false
        return
      case 'have':
        if (onHave(this.pieces, peer, m.index)) this.downloader?.onHave(peer, m.index)
        return
      case 'bitfield':
        return onBitfield(this.pieces, peer, m.bits)
      case 'request':
        return this.uploader.onRequest(peer, m)
      case 'cancel':
        return this.uploader.onCancel(peer, m)
      case 'piece':
        this.downloaded += m.block.byteLength
        this.downloader?.onBlock(peer, m.index, m.begin, m.block)
        return
      case 'extended':
        return this.onExtended(peer, m.id, m.payload)
    }
  }

  private onExtended(peer: Peer, id: number, payload: Uint8Array): void {
    if (id === 0) {
      try {
        peer.ext = decodeExtHandshake(payload)
      } catch (err) {
        return this.strike(peer, `bad extension handshake: ${String(err)}`, BAN_STRIKES)
      }
      this.metadata.maybeFetch()
      return
    }
    if (id === UT_METADATA_ID) this.metadata.onMessage(peer, payload)
  }

  private updateInterest(peer: Peer): void {
    const want = this.state === 'downloading' && !!this.downloader?.wants(peer)
    if (want !== peer.amInterested) {
      peer.amInterested = want
      peer.session.send({ type: want ? 'interested' : 'not-interested' })
    }
    if (want) this.downloader?.fill(peer)
  }

  private async onMetadata(info: TorrentInfo, _from: Peer): Promise<void> {
    if (this.info) return
    this.setInfo(info, null)
    await this.deps.persistInfo(this)
    for (const peer of this.peers.values()) {
      ensurePeerBits(this.pieces, peer)
      this.updateInterest(peer)
      // Peers that met us before either had the metadata only learn now that we can serve it
      // (BEP 10 allows a second handshake); otherwise one that can reach nobody else waits forever.
      if (this.extended.has(peer) && !peer.session.isClosed) this.sendExtHandshake(peer)
    }
    this.deps.onChange(true)
  }

  /**
   * Each write carries the bitfield of every piece written so far, including ones still queued
   * (writes commit in order, so a later bitfield never lands before the pieces it names); the
   * record thus never claims a piece that is not stored, and never forgets one that is.
   */
  private async storePiece(index: number, bytes: Uint8Array): Promise<void> {
    const written = (this.written ??= Bitfield.fromBytes(this.have!.toBytes(), this.info!.pieceCount))
    written.set(index)
    // Tell peers now rather than after the IndexedDB commit: in a swarm, every millisecond a
    // piece sits unannounced is a millisecond in which others fetch it from the seeder too.
    this.servable.add(index)
    for (const peer of this.peers.values()) if (peer.handshaken) peer.session.send({ type: 'have', index })
    try {
      await this.deps.store.writePiece(this.infoHash, index, bytes, written.toBytes())
    } catch (err) {
      written.set(index, false)
      throw err
    } finally {
      this.servable.delete(index)
    }
  }

  private onPieceDone(index: number, bytes: Uint8Array): void {
    const have = this.have!
    have.set(index)
    this.waiters.stored(index, bytes)
    for (const peer of this.peers.values()) if (peer.amInterested) this.updateInterest(peer)
    if (this.state === 'downloading' && this.complete) {
      this.state = 'seeding'
      for (const peer of this.peers.values()) this.updateInterest(peer)
    }
    // "completed" (the tracker's event, the stored role) means the whole torrent, not a selection.
    if (have.isComplete()) this.deps.completed(this)
    this.deps.onChange()
  }

  private onPieceFailed(index: number, contributors: ReadonlySet<string>): void {
    const weight = Strikes.weightFor(contributors)
    for (const id of contributors) {
      const peer = this.peers.get(id)
      if (peer) this.strike(peer, `piece ${index} failed its hash check`, weight)
      else this.strikes.add(id, weight)
    }
    this.downloader?.fillAll()
  }

  /** Peers banned for bad data: never accepted again. */
  get banned(): ReadonlySet<string> {
    return this.strikes.banned
  }

  /** Penalise a peer; once banned it is disconnected. */
  strike(peer: Peer, reason: string, weight: number): void {
    console.warn(`[tabswarm] peer ${peer.name || peer.id.slice(0, 8)}: ${reason}`)
    if (this.strikes.add(peer.id, weight)) peer.session.close(`banned: ${reason}`)
  }

  private onClose(peer: Peer): void {
    if (this.peers.get(peer.id) !== peer) return
    this.peers.delete(peer.id)
    this.uploader.clear(peer)
    if (peer.bits) this.downloader?.picker.removePeer(peer.bits)
    this.downloader?.releasePeer(peer)
    this.downloader?.fillAll()
    this.metadata.peerGone(peer)
    this.deps.onChange()
  }

  /** Storage trouble pauses the torrent and keeps what is stored; other errors mark it failed. */
  fail(err: unknown, pause: boolean): void {
    this.error = err instanceof Error ? err.message : String(err)
    if (pause) this.pause()
    else {
      this.state = 'error'
      this.disconnectAll()
    }
    this.deps.onChange()
  }

  pause(): void {
    if (this.state === 'paused') return
    this.state = 'paused'
    this.disconnectAll()
    this.deps.onChange()
  }

  resume(): void {
    if (this.state !== 'paused' && this.state !== 'error') return
    if (this.priorities?.noneSelected) return this.pauseUnselected()
    this.error = null
    this.state = !this.info ? 'metadata' : this.complete ? 'seeding' : 'downloading'
    this.deps.onChange()
  }

  disconnectAll(): void {
    for (const peer of [...this.peers.values()]) peer.session.close('stopped')
    this.downloader?.stop()
  }

  destroy(): void {
    this.choker.stop()
    this.disconnectAll()
    if (this.holdTimer) clearInterval(this.holdTimer)
    this.holdTimer = null
    this.waiters.rejectAll(new Error('The torrent was removed'))
  }

  /** Stats for the UI and the tracker. */
  get downloadRate(): number {
    return downloadRate(this.peers.values())
  }

  get uploadRate(): number {
    return uploadRate(this.peers.values())
  }

  get totalUploaded(): number {
    return this.previousUploaded + this.uploaded
  }

  get totalDownloaded(): number {
    return this.previousDownloaded + this.downloaded
  }

  /** Complete copies among connected peers (see torrent-stats.ts). */
  get availability(): number {
    return this.info ? availability(this.info.pieceCount, this.peers.values()) : 0
  }

  /** Pieces being fetched now (first block asked, not yet verified): the piece map's "in flight". */
  get inFlight(): number[] {
    return this.downloader ? [...this.downloader.active.keys()] : []
  }

  /** Verified fraction of the chosen files' pieces (of all pieces when every file is chosen). */
  get progress(): number {
    return this.have && this.priorities ? this.priorities.progress(this.have) : 0
  }
}
