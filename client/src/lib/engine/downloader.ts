// Requests and incoming blocks: strict priority to pieces already started, then the picker's
// choice, then endgame duplicates at the tail. Bounded: at most `maxActive` pieces are held in
// memory between first block and verified write, so a 4 GiB download stays small.
import { BLOCK_SIZE, Bitfield, pieceLengthAt } from '@shared/pieces'
import type { TorrentInfo } from '@shared/torrent'
import { pieceHash } from '@shared/torrent'
import { ActivePiece } from './active-piece'
import type { Peer } from './peer'
import { PiecePicker } from './picker'
import { DEADLINE, type PiecePriorities } from './priority'
import type { TokenBucket } from './rate'
import { RequestMoves } from './request-moves'

export interface DownloaderHost {
  readonly info: TorrentInfo
  readonly have: Bitfield
  readonly downLimit: TokenBucket
  readonly priorities: PiecePriorities
  peers(): Iterable<Peer>
  canDownload(): boolean
  verify(buffer: ArrayBuffer, expected: Uint8Array): Promise<{ ok: boolean; buffer: ArrayBuffer }>
  /** Stores a verified piece; rejects (e.g. StorageFullError) when it cannot. */
  storePiece(index: number, bytes: Uint8Array): Promise<void>
  /** The piece passed its hash check and goes to storage now (a waiting stream may have it). */
  pieceVerified(index: number, bytes: Uint8Array): void
  /** The piece is stored; `bytes` are its verified bytes. */
  pieceDone(index: number, bytes: Uint8Array): void
  pieceFailed(index: number, contributors: ReadonlySet<string>): void
  storageFailed(err: unknown): void
}

/** Budget for pieces held in memory while downloading (assembling + verifying + writing). */
const MEMORY_BUDGET = 48 * 1024 * 1024
/** Deadline pieces may start even when the budget is spent: a player waits on them. */
const DEADLINE_EXTRA = 4
/** Deadline pieces looked at per request: the ones nearest the playhead. */
const DEADLINE_WINDOW = 8
/** An urgent piece still incomplete after this long has its blocks asked of a second peer. */
const LATE_MS = 1200
/**
 * After a jump (a seek into bytes we lack) the first JUMP_BYTES from the new position are asked
 * at once, past the peer's pipeline depth, for JUMP_MS. A depth sized from the measured rate is
 * too shallow there: the rate of a young connection is still low, and between two busy tabs each
 * way took 12-54 ms in the stream benchmark's traces, so the player's ~500 KiB came two pieces
 * per round trip while the capped seeder, idle since the old requests were cancelled, had
 * tokens to send all of it at once. Only the jump's own pieces go past the depth: the read-ahead
 * stays shallow, so a queue of stale bytes never builds up ahead of the next seek.
 */
const JUMP_BYTES = 640 * 1024
const JUMP_MS = 1000
/**
 * Endgame, when every missing block is asked of someone: a peer with fewer than ENDGAME_DEPTH
 * requests out also asks for blocks already asked of another, each of at most ENDGAME_ASKS
 * peers (of any number once its last ask is ENDGAME_LATE_MS old: the peers asked may all have
 * gone silent). With every peer asking for the whole tail up to its pipeline depth, a leecher
 * of four seeders received 5.9% of the file twice (client/test/endgame.test.ts), and leechers
 * of the capped-seeder swarm test 3-11%: a cancel cannot recall a block already on its way.
 */
const ENDGAME_DEPTH = 4
const ENDGAME_ASKS = 2
const ENDGAME_LATE_MS = 2000

export class Downloader {
  readonly picker: PiecePicker
  readonly active = new Map<number, ActivePiece>()
  /** Complete pieces being hashed or written: neither picked again nor counted as had. */
  private readonly finishing = new Set<number>()
  private readonly maxActive: number
  private refillTimer: ReturnType<typeof setTimeout> | null = null
  /** The pieces of the latest jump that may be asked past a peer's depth, until `until`. */
  private jump: { first: number; last: number; until: number } | null = null
  /** Verified bytes downloaded since this torrent was opened (not counting discarded ones). */
  verifiedBytes = 0
  failedPieces = 0
  private readonly moves = new RequestMoves({ active: this.active, peers: () => this.host.peers(), fill: (peer) => this.fill(peer) })

  constructor(private readonly host: DownloaderHost) {
    this.picker = new PiecePicker(host.info.pieceCount, host.priorities)
    this.maxActive = Math.max(4, Math.min(64, Math.floor(MEMORY_BUDGET / host.info.pieceLength)))
  }

  get endgame(): boolean {
    const { have, priorities } = this.host
    let missing = -this.finishing.size
    for (let i = 0; i < this.host.info.pieceCount; i++) if (!have.has(i) && priorities.wanted(i)) missing++
    if (missing > this.active.size) return false
    for (const p of this.active.values()) if (p.hasUnrequested()) return false
    return true
  }

  /** Does the peer have a piece we still need? Drives our `interested` state. */
  wants(peer: Peer): boolean {
    const bits = peer.bits
    if (!bits) return false
    const { have, priorities } = this.host
    for (let i = 0; i < this.host.info.pieceCount; i++) if (bits.has(i) && !have.has(i) && priorities.wanted(i)) return true
    return false
  }

  fillAll(): void {
    for (const peer of this.host.peers()) this.fill(peer)
  }

  fill(peer: Peer): void {
    if (!this.host.canDownload() || peer.peerChoking || !peer.bits || peer.session.isClosed) return
    const depth = peer.pipelineDepth(BLOCK_SIZE)
    // Looked at only when nothing else is left to ask for: it walks every piece, and fill runs
    // for every block received (1.8% of a streaming tab's main thread when it ran each time).
    let endgame: boolean | undefined
    const isEndgame = (): boolean => (endgame ??= this.endgame)
    for (;;) {
      const next = peer.outstandingCount < depth ? this.nextBlock(peer, isEndgame) : this.jumpBlock(peer)
      if (!next) return
      const { piece, block } = next
      const length = piece.blockLength(block)
      const wait = this.host.downLimit.take(length)
      if (wait > 0) return this.scheduleRefill(wait)
      const begin = block * BLOCK_SIZE
      piece.markRequested(block, peer.id)
      peer.addOutstanding({ index: piece.index, begin, length })
      peer.session.send({ type: 'request', index: piece.index, begin, length })
    }
  }

  private nextBlock(peer: Peer, isEndgame: () => boolean): { piece: ActivePiece; block: number } | null {
    const bits = peer.bits!
    if (this.host.priorities.hasHolds) {
      const urgent = this.deadlineBlock(peer)
      if (urgent) return urgent
    }
    for (const piece of this.active.values()) {
      if (!bits.has(piece.index)) continue
      const block = piece.nextBlock(peer.id, false)
      if (block >= 0) return { piece, block }
    }
    if (this.active.size < this.maxActive) {
      const index = this.picker.pick(bits, this.host.have, (i) => this.active.has(i) || this.finishing.has(i))
      if (index >= 0) {
        const piece = new ActivePiece(index, pieceLengthAt(this.host.info.length, this.host.info.pieceLength, index))
        this.active.set(index, piece)
        return { piece, block: piece.nextBlock(peer.id, false) }
      }
    }
    if (peer.outstandingCount >= ENDGAME_DEPTH || !isEndgame()) return null
    for (const piece of this.active.values()) {
      if (!bits.has(piece.index)) continue
      const block = piece.nextBlock(peer.id, true, ENDGAME_ASKS, ENDGAME_LATE_MS)
      if (block >= 0) return { piece, block }
    }
    return null
  }

  /**
   * The next block of the deadline pieces nearest the playhead, in byte order, starting them
   * past the memory budget if need be. The first missing one is urgent: once it is late its
   * blocks are asked of a second peer too (the first answer wins, the other is cancelled).
   */
  private deadlineBlock(peer: Peer): { piece: ActivePiece; block: number } | null {
    const { have, priorities } = this.host
    const bits = peer.bits!
    let looked = 0
    let urgent = true
    for (const i of priorities.ordered(DEADLINE, have)) {
      if (have.has(i) || this.finishing.has(i)) continue
      if (++looked > DEADLINE_WINDOW) break
      const first = urgent
      urgent = false
      if (!bits.has(i)) continue
      const piece = this.urgentPiece(i)
      if (!piece) continue
      let block = piece.nextBlock(peer.id, false)
      if (block < 0 && first && performance.now() - piece.startedAt > LATE_MS) block = piece.nextBlock(peer.id, true, 2)
      if (block >= 0) return { piece, block }
    }
    return null
  }

  /** A block of the latest jump's first pieces, asked past the pipeline depth (JUMP_BYTES). */
  private jumpBlock(peer: Peer): { piece: ActivePiece; block: number } | null {
    const jump = this.jump
    if (!jump) return null
    if (performance.now() > jump.until) {
      this.jump = null
      return null
    }
    const { have } = this.host
    for (let i = jump.first; i <= jump.last; i++) {
      if (have.has(i) || this.finishing.has(i) || !peer.bits!.has(i)) continue
      const piece = this.urgentPiece(i)
      if (!piece) return null
      const block = piece.nextBlock(peer.id, false)
      if (block >= 0) return { piece, block }
    }
    return null
  }

  /** Piece `i` being fetched, started if need be past the memory budget (a player waits on it); null when even that is spent. */
  private urgentPiece(i: number): ActivePiece | null {
    let piece = this.active.get(i)
    if (!piece) {
      if (this.active.size >= this.maxActive + DEADLINE_EXTRA) return null
      piece = new ActivePiece(i, pieceLengthAt(this.host.info.length, this.host.info.pieceLength, i))
      this.active.set(i, piece)
    }
    return piece
  }

  onBlock(peer: Peer, index: number, begin: number, block: Uint8Array): void {
    peer.takeOutstanding(index, begin)
    peer.down.add(block.byteLength)
    const piece = this.active.get(index)
    if (piece) {
      const others = piece.receive(begin, block, peer.id)
      // Endgame: the same block was asked of others too; tell them not to bother.
      for (const otherId of others ?? []) this.cancelFrom(otherId, index, begin, block.byteLength)
      if (piece.complete) void this.finish(piece)
    }
    this.fill(peer)
  }

  /** A peer announced piece `index`: requests for it may move to that peer (request-moves.ts). */
  onHave(peer: Peer, index: number): void {
    this.moves.toAnnouncer(peer, index)
  }

  /**
   * A new deadline (the player seeked): pieces started for later give way, and its first
   * JUMP_BYTES are asked at once (request-moves.ts, jumpBlock).
   */
  yieldToDeadline(first: number, last: number, held: boolean): void {
    // Only when the piece the player reads next, the deadline's first, is missing and not being
    // fetched for a player already (`held`: under an earlier hold): a jump. A deadline that
    // slides along with playback finds it stored or active as read-ahead, and one that opens
    // on stored bytes (a player re-reading what it has, as Chromium does beside a seek) has
    // bytes to play meanwhile: in the stream benchmark such a second request cancelled the
    // seek's own requests. A piece the background download happened to start is no reason to
    // hold back (the priority test's seek found its first piece among the 8 random ones asked
    // before it, about one run in 25, and then asked for nothing more). Everything else gives
    // way, also the deadline the player is leaving (its hold goes a moment later).
    const { have } = this.host
    if (have.has(first) || this.finishing.has(first) || (held && this.active.has(first))) return
    const span = Math.max(1, Math.ceil(JUMP_BYTES / this.host.info.pieceLength))
    this.jump = { first, last: Math.min(last, first + span - 1), until: performance.now() + JUMP_MS }
    this.moves.outside(first, last)
  }

  private cancelFrom(peerId: string, index: number, begin: number, length: number): void {
    for (const p of this.host.peers()) {
      if (p.id !== peerId) continue
      if (p.takeOutstanding(index, begin)) p.session.send({ type: 'cancel', index, begin, length })
    }
  }

  /** The peer choked us or left: everything we asked of it goes back to the pool at once. */
  releasePeer(peer: Peer): void {
    for (const r of peer.clearOutstanding()) {
      this.active.get(r.index)?.release(r.begin / BLOCK_SIZE, peer.id)
    }
    this.dropIdlePieces()
  }

  /** Pieces nobody is fetching and with no bytes yet are forgotten, so the picker may choose again. */
  private dropIdlePieces(): void {
    for (const [index, piece] of this.active) {
      if (piece.received === 0 && !piece.hasRequests()) this.active.delete(index)
    }
  }

  private async finish(piece: ActivePiece): Promise<void> {
    this.active.delete(piece.index)
    this.finishing.add(piece.index)
    try {
      const expected = pieceHash(this.host.info, piece.index)
      const { ok, buffer } = await this.host.verify(piece.bytes.buffer as ArrayBuffer, expected)
      if (!ok) {
        this.failedPieces++
        this.host.pieceFailed(piece.index, piece.contributors)
        return
      }
      const bytes = new Uint8Array(buffer)
      this.host.pieceVerified(piece.index, bytes)
      await this.host.storePiece(piece.index, bytes)
      this.verifiedBytes += piece.length
      this.host.pieceDone(piece.index, bytes)
    } catch (err) {
      this.host.storageFailed(err)
    } finally {
      this.finishing.delete(piece.index)
      this.fillAll()
    }
  }

  private scheduleRefill(ms: number): void {
    if (this.refillTimer) return
    this.refillTimer = setTimeout(() => {
      this.refillTimer = null
      this.fillAll()
    }, ms)
  }

  stop(): void {
    if (this.refillTimer) clearTimeout(this.refillTimer)
    this.refillTimer = null
  }
}
