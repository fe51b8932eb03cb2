// The BEP 3/10 conversation with each peer of one torrent: attaching its data channel, the
// handshakes, every wire message, our interest, and its close. The uploader, choker and
// metadata exchange act only on this conversation, so they live here; Torrent owns one.
import { BLOCK_SIZE, pieceLengthAt } from '@shared/pieces'
import type { TorrentInfo } from '@shared/torrent'
import { bytesToHex } from '@shared/binary'
import { decodeExtHandshake, encodeExtHandshake } from '@shared/wire'
import type { Handshake, WireMessage } from '@shared/wire'
import { Choker } from './choker'
import type { Downloader } from './downloader'
import { MetadataExchange, UT_METADATA_ID } from './metadata'
import { replacesExisting } from './glare'
import { Peer } from './peer'
import { ensurePeerBits, onBitfield, onHave, type PeerPiecesHost } from './peer-pieces'
import type { PeerChannel } from './rtc'
import { BAN_STRIKES } from './strikes'
import type { Torrent } from './torrent'
import type { TorrentDeps } from './torrent-types'
import { Uploader } from './uploader'
import { WireSession } from './wire-session'

/** Peers per torrent: enough for a healthy swarm, few enough for a tab's CPU. */
export const MAX_PEERS = 12

/** The torrent's own fields the conversation reads (and its byte counters, which it adds to). */
type WireTorrent = Pick<Torrent, 'infoHash' | 'info' | 'have' | 'state' | 'isActive' | 'banned' | 'peers' | 'uploaded' | 'downloaded' | 'strike'>

/** What the conversation needs of the torrent's private parts. */
export interface TorrentWireParts {
  /** Verified pieces whose write is still queued (see piece-completion.ts). */
  readonly servable: ReadonlySet<number>
  downloader(): Downloader | null
  /** The info dictionary arrived from a peer (a magnet link's metadata). */
  gotInfo(info: TorrentInfo, from: Peer): void
}

export class TorrentWire {
  /** Peers that speak BEP 10 and were sent our extension handshake. */
  private readonly extended = new WeakSet<Peer>()
  private readonly uploader: Uploader
  private readonly metadata: MetadataExchange
  readonly choker: Choker
  private readonly peerIdHex: string
  private readonly pieces: PeerPiecesHost = {
    pieceCount: () => this.torrent.info?.pieceCount ?? null,
    picker: () => this.downloader?.picker,
    invalid: (peer, reason) => this.torrent.strike(peer, reason, BAN_STRIKES),
    changed: (peer) => this.updateInterest(peer),
  }

  constructor(
    private readonly torrent: WireTorrent,
    private readonly deps: TorrentDeps,
    private readonly parts: TorrentWireParts,
  ) {
    const t = torrent
    this.peerIdHex = bytesToHex(deps.peerId)
    this.uploader = new Uploader({
      hasPiece: (i) => !!t.have?.has(i) || parts.servable.has(i),
      blocksPerPiece: () => (t.info ? Math.ceil(t.info.pieceLength / BLOCK_SIZE) : 1),
      pieceCount: () => t.info?.pieceCount ?? 0,
      upLimit: deps.limits.up,
      pieceLength: (i) => (t.info ? pieceLengthAt(t.info.length, t.info.pieceLength, i) : 0),
      readPiece: (i) => deps.store.readPiece(t.infoHash, i),
      uploaded: (_peer, bytes) => {
        t.uploaded += bytes
      },
    })
    this.metadata = new MetadataExchange({
      infoHash: t.infoHash,
      info: () => t.info,
      peers: () => t.peers.values(),
      gotInfo: (i, from) => parts.gotInfo(i, from),
      rejected: (peer, reason) => t.strike(peer, reason, 1),
    })
    this.choker = new Choker({
      peers: () => [...t.peers.values()],
      seeding: () => t.state === 'seeding',
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

  /** The torrent's downloader; null until the metadata is known. */
  private get downloader(): Downloader | null {
    return this.parts.downloader()
  }

  /** Hooks a freshly connected data channel up as a peer of this torrent. */
  attach(channel: PeerChannel, remoteId: string, name: string, weOffered: boolean | null): boolean {
    const t = this.torrent
    const existing = t.peers.get(remoteId)
    if (existing && replacesExisting(this.peerIdHex, remoteId, existing.weOffered, weOffered)) {
      existing.session.close('replaced by the connection both sides keep (glare)')
      this.onClose(existing)
    }
    if (!t.isActive || t.peers.has(remoteId) || t.banned.has(remoteId) || t.peers.size >= MAX_PEERS) {
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
    t.peers.set(remoteId, peer)
    session.sendHandshake({ infoHash: t.infoHash, peerId: this.peerIdHex, extensions: true })
    this.deps.onChange()
    return true
  }

  private onHandshake(peer: Peer, h: Handshake): void {
    const t = this.torrent
    if (h.infoHash !== t.infoHash) return peer.session.close('handshake for another torrent')
    if (h.peerId === this.peerIdHex) return peer.session.close('connected to ourselves')
    peer.handshaken = true
    ensurePeerBits(this.pieces, peer)
    if (h.extensions) {
      this.extended.add(peer)
      this.sendExtHandshake(peer)
    }
    if (t.have && t.have.count() > 0) peer.session.send({ type: 'bitfield', bits: t.have.toBytes() })
    for (const index of this.parts.servable) peer.session.send({ type: 'have', index })
  }

  /** Our BEP 10 handshake; `metadata_size` once we know the info dict (BEP 9). */
  private sendExtHandshake(peer: Peer): void {
    const metadataSize = this.torrent.info?.infoBytes.byteLength
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
        this.torrent.downloaded += m.block.byteLength
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
        return this.torrent.strike(peer, `bad extension handshake: ${String(err)}`, BAN_STRIKES)
      }
      this.metadata.maybeFetch()
      return
    }
    if (id === UT_METADATA_ID) this.metadata.onMessage(peer, payload)
  }

  updateInterest(peer: Peer): void {
    const want = this.torrent.state === 'downloading' && !!this.downloader?.wants(peer)
    if (want !== peer.amInterested) {
      peer.amInterested = want
      peer.session.send({ type: want ? 'interested' : 'not-interested' })
    }
    if (want) this.downloader?.fill(peer)
  }

  /** The info dict just became known (a magnet's metadata): catch a peer that met us before up. */
  infoKnown(peer: Peer): void {
    ensurePeerBits(this.pieces, peer)
    this.updateInterest(peer)
    // Peers that met us before either had the metadata only learn now that we can serve it
    // (BEP 10 allows a second handshake); otherwise one that can reach nobody else waits forever.
    if (this.extended.has(peer) && !peer.session.isClosed) this.sendExtHandshake(peer)
  }

  private onClose(peer: Peer): void {
    const t = this.torrent
    if (t.peers.get(peer.id) !== peer) return
    t.peers.delete(peer.id)
    this.uploader.forget(peer)
    if (peer.bits) this.downloader?.picker.removePeer(peer.bits)
    this.downloader?.releasePeer(peer)
    this.downloader?.fillAll()
    this.metadata.peerGone(peer)
    this.deps.onChange()
  }
}
