// What each peer has: its bitfield and `have`s, kept on the Peer and mirrored into the piece
// picker's availability counts. Before the torrent's info is known (a magnet link still
// fetching metadata) the piece count is unknown, so both are parked on the peer until then.
import { Bitfield } from '@shared/pieces'
import type { Peer } from './peer'
import type { PiecePicker } from './picker'

export interface PeerPiecesHost {
  pieceCount(): number | null
  picker(): PiecePicker | undefined
  /** A peer sent a bitfield that cannot be right: it is struck (and banned). */
  invalid(peer: Peer, reason: string): void
  /** The peer may have something we want now. */
  changed(peer: Peer): void
}

/** True when the `have` was recorded (a valid index of a known piece count). */
export function onHave(host: PeerPiecesHost, peer: Peer, index: number): boolean {
  const count = host.pieceCount()
  if (count === null) {
    peer.earlyHaves.push(index)
    return false
  }
  ensurePeerBits(host, peer)
  if (index < 0 || index >= count || !peer.bits) return false
  if (!peer.bits.has(index)) {
    peer.bits.set(index)
    host.picker()?.addHave(index)
  }
  host.changed(peer)
  return true
}

export function onBitfield(host: PeerPiecesHost, peer: Peer, bits: Uint8Array): void {
  const count = host.pieceCount()
  if (count === null) {
    peer.earlyBits = bits
    return
  }
  let bf: Bitfield
  try {
    bf = Bitfield.fromBytes(bits, count)
  } catch (err) {
    return host.invalid(peer, `bad bitfield: ${String(err)}`)
  }
  if (peer.bits) host.picker()?.removePeer(peer.bits)
  peer.bits = bf
  host.picker()?.addPeer(bf)
  host.changed(peer)
}

/** Gives the peer its bitfield once the piece count is known, from what it sent so far. */
export function ensurePeerBits(host: PeerPiecesHost, peer: Peer): void {
  const count = host.pieceCount()
  if (count === null || peer.bits) return
  const early = peer.earlyBits
  const haves = peer.earlyHaves
  peer.earlyBits = null
  peer.earlyHaves = []
  let bits: Bitfield
  try {
    bits = early ? Bitfield.fromBytes(early, count) : new Bitfield(count)
  } catch (err) {
    // The peer is struck (and usually closed); it keeps an empty bitfield the picker ignores.
    peer.bits = new Bitfield(count)
    return host.invalid(peer, `bad bitfield: ${String(err)}`)
  }
  for (const i of haves) if (i >= 0 && i < count) bits.set(i)
  peer.bits = bits
  host.picker()?.addPeer(bits)
}
