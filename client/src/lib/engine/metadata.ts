// BEP 9 ut_metadata: serve our info dictionary, or fetch it piece by piece for a magnet link.
// Metadata that does not hash to the link's info hash is rejected and another peer is asked.
import { METADATA_PIECE_SIZE, decodeMetadataMessage, encodeMetadataMessage } from '@shared/wire'
import type { TorrentInfo } from '@shared/torrent'
import { parseInfo } from '@shared/torrent'
import type { Peer } from './peer'

/** Our local extended-message id for ut_metadata, announced in our BEP 10 handshake. */
export const UT_METADATA_ID = 1
/** Info dictionaries bigger than this are refused (a 16 MiB-piece 4 GiB torrent's is ~5 KiB). */
const MAX_METADATA = 8 * 1024 * 1024

export interface MetadataHost {
  readonly infoHash: string
  info(): TorrentInfo | null
  peers(): Iterable<Peer>
  gotInfo(info: TorrentInfo, from: Peer): void
  rejected(peer: Peer, reason: string): void
}

export class MetadataExchange {
  private buffer: Uint8Array | null = null
  private received: boolean[] = []
  private source: Peer | null = null
  private readonly refused = new WeakSet<Peer>()

  constructor(private readonly host: MetadataHost) {}

  onMessage(peer: Peer, payload: Uint8Array): void {
    let msg
    try {
      msg = decodeMetadataMessage(payload)
    } catch {
      // BEP 9: unknown message types are ignored; a malformed one is not worth a strike either.
      return
    }
    if (msg.msgType === 'request') return this.serve(peer, msg.piece)
    if (peer !== this.source) return
    if (msg.msgType === 'reject') return this.giveUp(peer)
    this.store(peer, msg.piece, msg.data)
  }

  private serve(peer: Peer, piece: number): void {
    const remote = peer.remoteId('ut_metadata')
    if (remote === undefined) return
    const info = this.host.info()
    const bytes = info?.infoBytes
    const start = piece * METADATA_PIECE_SIZE
    const payload =
      bytes && start < bytes.byteLength && piece >= 0
        ? encodeMetadataMessage({
            msgType: 'data',
            piece,
            totalSize: bytes.byteLength,
            data: bytes.subarray(start, start + METADATA_PIECE_SIZE),
          })
        : encodeMetadataMessage({ msgType: 'reject', piece })
    peer.session.send({ type: 'extended', id: remote, payload })
  }

  /** Ask the next capable peer, if we need metadata and nobody is being asked. */
  maybeFetch(): void {
    if (this.host.info() || (this.source && !this.source.session.isClosed)) return
    this.source = null
    for (const peer of this.host.peers()) {
      const size = peer.ext?.metadataSize
      const remote = peer.remoteId('ut_metadata')
      if (remote === undefined || this.refused.has(peer) || !size || size <= 0 || size > MAX_METADATA) continue
      this.source = peer
      this.buffer = new Uint8Array(size)
      const pieces = Math.ceil(size / METADATA_PIECE_SIZE)
      this.received = new Array<boolean>(pieces).fill(false)
      for (let i = 0; i < pieces; i++) {
        peer.session.send({ type: 'extended', id: remote, payload: encodeMetadataMessage({ msgType: 'request', piece: i }) })
      }
      return
    }
  }

  private store(peer: Peer, piece: number, data: Uint8Array): void {
    const buf = this.buffer
    if (!buf || piece < 0 || piece >= this.received.length) return this.giveUp(peer, 'metadata piece out of range')
    const start = piece * METADATA_PIECE_SIZE
    const expected = Math.min(METADATA_PIECE_SIZE, buf.byteLength - start)
    if (data.byteLength !== expected) return this.giveUp(peer, 'metadata piece has the wrong size')
    buf.set(data, start)
    this.received[piece] = true
    if (this.received.every(Boolean)) void this.complete(peer, buf)
  }

  private async complete(peer: Peer, bytes: Uint8Array): Promise<void> {
    try {
      const info = await parseInfo(bytes, this.host.infoHash)
      this.source = null
      this.buffer = null
      this.host.gotInfo(info, peer)
    } catch (err) {
      this.giveUp(peer, err instanceof Error ? err.message : String(err))
    }
  }

  private giveUp(peer: Peer, reason?: string): void {
    this.refused.add(peer)
    if (reason) this.host.rejected(peer, reason)
    this.source = null
    this.buffer = null
    this.maybeFetch()
  }

  /** A peer left: if it was our source, ask someone else. */
  peerGone(peer: Peer): void {
    if (peer === this.source) {
      this.source = null
      this.maybeFetch()
    }
  }
}
