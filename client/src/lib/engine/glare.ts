// Two of our tabs that offer to each other at the same moment ("glare") end up with two
// connections to one another, and each keeps only one. If each kept the one that opened first
// on its side, the two sides could pick different ones, each closing the one the other kept:
// then neither is connected, and the next try is a whole announce round (30 s) later. A small
// swarm whose leechers all start together meets this often. So both sides apply one rule that
// gives the same answer on either side: keep the connection offered by the smaller peer id.
// Other clients (WebTorrent) keep the connection they have and drop the new one; with them we
// do the same, since switching alone would leave no connection at all.
import { PEER_ID_PREFIX, bytesToHex, utf8ToBytes } from '@shared/binary'

const OUR_PREFIX_HEX = bytesToHex(utf8ToBytes(PEER_ID_PREFIX))

/**
 * Whether a new connection to a peer we are already connected to replaces the one we have.
 * `existingWeOffered`/`newWeOffered`: which side made each connection's offer (null: unknown,
 * e.g. a connection handed over by other means); only a pair offered from both sides is glare.
 */
export function replacesExisting(myIdHex: string, remoteIdHex: string, existingWeOffered: boolean | null, newWeOffered: boolean | null): boolean {
  if (existingWeOffered === null || newWeOffered === null || existingWeOffered === newWeOffered) return false
  if (!remoteIdHex.startsWith(OUR_PREFIX_HEX)) return false
  return newWeOffered === myIdHex < remoteIdHex
}
