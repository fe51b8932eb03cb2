// One torrent: its pieces, its peers and the BEP 3/10 conversation with each. Downloading,
// uploading, metadata and choking live in their own classes; this file wires them together,
// with the conversation itself in torrent-wire.ts and what follows a piece's hash check in
// piece-completion.ts.
import { Bitfield, pieceLengthAt } from '@shared/pieces'
import type { TorrentInfo } from '@shared/torrent'
import { Downloader } from './downloader'
import type { Peer } from './peer'
import { PieceCompletion } from './piece-completion'
import { PieceWaiters } from './piece-waiters'
import { PiecePriorities, READAHEAD, type HoldLevel } from './priority'
import type { PeerChannel } from './rtc'
import { Strikes } from './strikes'
import { availability, downloadRate, uploadRate } from './torrent-stats'
import type { TorrentDeps, TorrentState } from './torrent-types'
import { TorrentWire } from './torrent-wire'

export { MAX_PEERS } from './torrent-wire'

export interface PrioritizeOptions {
  /** Fetch order among holds (priority.ts holdRank); a new, highest one by default. */
  rank?: number
  /**
   * False when the deadline only slides forward with a player's reading: then requests for
   * pieces elsewhere are left alone. By default a new deadline is a jump (a seek), and pieces
   * started for elsewhere give way to it.
   */
  jump?: boolean
}

export class Torrent {
  info: TorrentInfo | null
  have: Bitfield | null = null
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
  /** Piece priorities (file selection, streaming holds); null until the metadata is known. */
  priorities: PiecePriorities | null = null
  private readonly waiters = new PieceWaiters()
  /** While holds exist, re-fill now and then: a late deadline piece gets a second peer. */
  private holdTimer: ReturnType<typeof setInterval> | null = null
  private readonly completion: PieceCompletion
  private readonly wire: TorrentWire

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
    this.state = info ? 'downloading' : 'metadata'
    this.completion = new PieceCompletion(this, deps, {
      waiters: this.waiters,
      strikes: this.strikes,
      downloader: () => this.downloader,
      updateInterest: (peer) => this.wire.updateInterest(peer),
      completed: () => deps.completed(this),
    })
    if (info) this.setInfo(info, bitfield, selection)
    this.wire = new TorrentWire(this, deps, {
      servable: this.completion.servable,
      downloader: () => this.downloader,
      gotInfo: (i, from) => void this.onMetadata(i, from),
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
      storePiece: (i, bytes) => this.completion.storePiece(i, bytes),
      // A stream waiting on a piece gets its bytes once verified, not after the IndexedDB commit
      // (tens of milliseconds on a busy disk): the hash already vouches for them.
      pieceVerified: (i, bytes) => this.waiters.stored(i, bytes),
      pieceDone: (i, bytes) => this.completion.onPieceDone(i, bytes),
      pieceFailed: (i, who) => this.completion.onPieceFailed(i, who),
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
    this.completion.recheck()
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
  prioritize(start: number, end: number, level: HoldLevel, opts: PrioritizeOptions = {}): () => void {
    const priorities = this.priorities
    if (!priorities) throw new Error('The file list is not known yet: wait for the metadata')
    const pl = this.info!.pieceLength
    // Whether an earlier hold already covers the first piece (read-ahead the player is reaching):
    // looked at before this hold is added (see Downloader.yieldToDeadline).
    const held = end > start && priorities.level(Math.min(this.info!.pieceCount - 1, Math.floor(start / pl))) >= READAHEAD
    const release = priorities.hold(start, end, level, opts.rank)
    if (level === 'deadline' && end > start && opts.jump !== false) {
      this.downloader?.yieldToDeadline(Math.floor(start / pl), Math.floor((end - 1) / pl), held)
    }
    this.completion.recheck()
    this.holdTimer ??= setInterval(() => {
      if (!priorities.hasHolds) {
        clearInterval(this.holdTimer!)
        this.holdTimer = null
      }
      this.downloader?.fillAll()
    }, 500)
    return () => {
      release()
      this.completion.recheck()
    }
  }

  /** Where file `fileIndex` lies in the torrent's bytes; null before the metadata or past the last file. */
  fileSpan(fileIndex: number): { offset: number; length: number } | null {
    const f = this.info?.files[fileIndex]
    return f ? { offset: f.offset, length: f.length } : null
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
    this.wire.choker.start()
  }

  /** Hooks a freshly connected data channel up as a peer of this torrent. */
  attach(channel: PeerChannel, remoteId: string, name: string, weOffered: boolean | null = null): boolean {
    return this.wire.attach(channel, remoteId, name, weOffered)
  }

  private async onMetadata(info: TorrentInfo, _from: Peer): Promise<void> {
    if (this.info) return
    this.setInfo(info, null)
    await this.deps.persistInfo(this)
    for (const peer of this.peers.values()) this.wire.infoKnown(peer)
    this.deps.onChange(true)
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
    this.wire.choker.stop()
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
