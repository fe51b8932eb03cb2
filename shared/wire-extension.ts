// BEP 10 extension handshake and BEP 9 ut_metadata messages: the payloads carried inside an
// `extended` wire message (id 0 for the handshake, the peer's chosen id for ut_metadata).
import { bencodeDecode, bencodeDecodePrefix, bencodeEncode, BencodeError, dictGet, isDict } from './bencode'
import { bytesToUtf8 } from './binary'
import { WireError } from './wire-message'

/** ut_metadata transfers the info dict in 16 KiB pieces (BEP 9). */
export const METADATA_PIECE_SIZE = 16384
/** Largest info dict we fetch or accept, as WebTorrent's ut_metadata (1e7 bytes). */
export const MAX_METADATA_SIZE = 10_000_000

export interface ExtHandshake {
  /** Extension name → the message id the sender wants to receive it on (1–255). */
  m: Record<string, number>
  /** Size of the bencoded info dict, once the sender has it (`metadata_size`). */
  metadataSize?: number
  /** Client name and version. */
  v?: string
  /** How many outstanding requests the sender accepts. */
  reqq?: number
}

function decodeDict(bytes: Uint8Array, what: string): { dict: Record<string, unknown>; end: number } {
  let decoded: { value: unknown; end: number }
  try {
    decoded = bencodeDecodePrefix(bytes)
  } catch (err) {
    if (err instanceof BencodeError) throw new WireError(`${what} is not valid bencode: ${err.message}`)
    throw err
  }
  if (!isDict(decoded.value)) throw new WireError(`${what} is not a bencoded dictionary`)
  return { dict: decoded.value, end: decoded.end }
}

function isUint(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max
}

/** The payload of extended message 0; wrap it with encodeMessage({type: 'extended', id: 0, payload}). */
export function encodeExtHandshake(h: ExtHandshake): Uint8Array {
  for (const [name, id] of Object.entries(h.m)) {
    if (!isUint(id, 255)) throw new WireError(`extension ${name} has bad id ${id}`)
  }
  return bencodeEncode({ m: h.m, metadata_size: h.metadataSize, v: h.v, reqq: h.reqq })
}

/**
 * Tolerant of keys we do not use (clients add `p`, `yourip`, `e`, their own fields) but strict
 * on the types of those we do, since they drive requests and allocations.
 */
export function decodeExtHandshake(payload: Uint8Array): ExtHandshake {
  // BEP 10 has no data after the dict; a full decode also refuses trailing bytes.
  let value: unknown
  try {
    value = bencodeDecode(payload)
  } catch (err) {
    if (err instanceof BencodeError) throw new WireError(`extension handshake is not valid bencode: ${err.message}`)
    throw err
  }
  if (!isDict(value)) throw new WireError('extension handshake is not a bencoded dictionary')
  const out: ExtHandshake = { m: {} }
  const m = dictGet(value, 'm')
  if (m !== undefined) {
    if (!isDict(m)) throw new WireError('extension handshake "m" is not a dictionary')
    for (const [name, id] of Object.entries(m)) {
      if (!isUint(id, 255)) throw new WireError(`extension handshake gives ${name} a bad id`)
      // Id 0 means "disabled" (BEP 10); leaving it out keeps `if (h.m.ut_metadata)` checks honest.
      if (id !== 0) out.m[name] = id
    }
  }
  const size = dictGet(value, 'metadata_size')
  if (size !== undefined) {
    if (!isUint(size, MAX_METADATA_SIZE) || size === 0) {
      throw new WireError(`extension handshake metadata_size ${String(size)} is out of range (1..${MAX_METADATA_SIZE})`)
    }
    out.metadataSize = size
  }
  const reqq = dictGet(value, 'reqq')
  if (reqq !== undefined) {
    if (!isUint(reqq, Number.MAX_SAFE_INTEGER) || reqq === 0) throw new WireError('extension handshake reqq is not a positive integer')
    out.reqq = reqq
  }
  // The client name is only shown to users, so a malformed one is dropped rather than fatal.
  const v = dictGet(value, 'v')
  if (v instanceof Uint8Array) out.v = bytesToUtf8(v)
  return out
}

export type MetadataMessage =
  | { msgType: 'request'; piece: number }
  | { msgType: 'data'; piece: number; totalSize: number; data: Uint8Array }
  | { msgType: 'reject'; piece: number }

const MSG_TYPE = { request: 0, data: 1, reject: 2 } as const
const MAX_METADATA_PIECES = Math.ceil(MAX_METADATA_SIZE / METADATA_PIECE_SIZE)

/** Length of metadata piece `piece` of a `totalSize`-byte info dict (the last one is shorter). */
export function metadataPieceLength(totalSize: number, piece: number): number {
  return Math.min(METADATA_PIECE_SIZE, totalSize - piece * METADATA_PIECE_SIZE)
}

export function metadataPieceCount(totalSize: number): number {
  return Math.ceil(totalSize / METADATA_PIECE_SIZE)
}

/** The payload of an extended message sent on the peer's ut_metadata id. */
export function encodeMetadataMessage(m: MetadataMessage): Uint8Array {
  if (!isUint(m.piece, MAX_METADATA_PIECES - 1)) throw new WireError(`bad metadata piece ${m.piece}`)
  if (m.msgType !== 'data') return bencodeEncode({ msg_type: MSG_TYPE[m.msgType], piece: m.piece })
  if (m.data.length > METADATA_PIECE_SIZE) throw new WireError(`metadata piece of ${m.data.length} bytes is too large`)
  if (!isUint(m.totalSize, MAX_METADATA_SIZE)) throw new WireError(`bad metadata total size ${m.totalSize}`)
  const head = bencodeEncode({ msg_type: MSG_TYPE.data, piece: m.piece, total_size: m.totalSize })
  const out = new Uint8Array(head.length + m.data.length)
  out.set(head, 0)
  out.set(m.data, head.length)
  return out
}

export function decodeMetadataMessage(payload: Uint8Array): MetadataMessage {
  const { dict, end } = decodeDict(payload, 'ut_metadata message')
  const msgType = dictGet(dict, 'msg_type')
  const piece = dictGet(dict, 'piece')
  if (!isUint(piece, MAX_METADATA_PIECES - 1)) throw new WireError('ut_metadata message has a missing or bad piece number')
  if (msgType === MSG_TYPE.request || msgType === MSG_TYPE.reject) {
    if (end !== payload.length) throw new WireError('ut_metadata request/reject has trailing bytes')
    return { msgType: msgType === MSG_TYPE.request ? 'request' : 'reject', piece }
  }
  if (msgType !== MSG_TYPE.data) {
    // BEP 9 asks receivers to ignore unknown types; the caller can catch this and carry on.
    throw new WireError(`ut_metadata message has unknown msg_type ${String(msgType)}`)
  }
  const totalSize = dictGet(dict, 'total_size')
  if (!isUint(totalSize, MAX_METADATA_SIZE) || totalSize === 0) {
    throw new WireError(`ut_metadata total_size ${String(totalSize)} is out of range (1..${MAX_METADATA_SIZE})`)
  }
  if (piece >= metadataPieceCount(totalSize)) throw new WireError(`ut_metadata piece ${piece} is past total_size ${totalSize}`)
  const data = payload.subarray(end)
  const expected = metadataPieceLength(totalSize, piece)
  if (data.length !== expected) throw new WireError(`ut_metadata piece ${piece} has ${data.length} bytes, expected ${expected}`)
  return { msgType: 'data', piece, totalSize, data }
}
