// BEP 3 peer wire messages: the 68-byte handshake and the length-prefixed messages, encoded to
// bytes and decoded from one complete frame. The stream parser lives in wire-decoder.ts.
import { bytesToHex, hexToBytes } from './binary'

export class WireError extends Error {
  override name = 'WireError'
}

export type WireMessage =
  | { type: 'keep-alive' }
  | { type: 'choke' }
  | { type: 'unchoke' }
  | { type: 'interested' }
  | { type: 'not-interested' }
  | { type: 'have'; index: number }
  | { type: 'bitfield'; bits: Uint8Array }
  | { type: 'request'; index: number; begin: number; length: number }
  | { type: 'piece'; index: number; begin: number; block: Uint8Array }
  | { type: 'cancel'; index: number; begin: number; length: number }
  | { type: 'port'; port: number }
  | { type: 'extended'; id: number; payload: Uint8Array }
  | { type: 'unknown'; id: number; payload: Uint8Array }

export interface Handshake {
  /** 40 lowercase hex */
  infoHash: string
  /** 40 lowercase hex */
  peerId: string
  /** BEP 10 support: bit 0x10 of reserved byte 5. */
  extensions: boolean
}

export const PROTOCOL = 'BitTorrent protocol'
export const HANDSHAKE_LENGTH = 68
/** The handshake's first 20 bytes: the length byte 19, then the protocol name. */
export const PROTOCOL_PREFIX = Uint8Array.from([PROTOCOL.length, ...Array.from(PROTOCOL, (c) => c.charCodeAt(0))])

export const MESSAGE_ID = {
  choke: 0,
  unchoke: 1,
  interested: 2,
  'not-interested': 3,
  have: 4,
  bitfield: 5,
  request: 6,
  piece: 7,
  cancel: 8,
  port: 9,
  extended: 20,
} as const

function idBytes(hex: string, what: string): Uint8Array {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{40}$/.test(hex)) throw new WireError(`${what} must be 40 hex characters`)
  return hexToBytes(hex)
}

export function encodeHandshake(h: Handshake): Uint8Array {
  const out = new Uint8Array(HANDSHAKE_LENGTH)
  out.set(PROTOCOL_PREFIX, 0)
  // Reserved bytes 20..27 stay zero apart from the BEP 10 bit.
  if (h.extensions) out[20 + 5] = 0x10
  out.set(idBytes(h.infoHash, 'info hash'), 28)
  out.set(idBytes(h.peerId, 'peer id'), 48)
  return out
}

/** Parses a complete 68-byte handshake. */
export function decodeHandshake(b: Uint8Array): Handshake {
  if (b.length !== HANDSHAKE_LENGTH) throw new WireError(`handshake must be ${HANDSHAKE_LENGTH} bytes, got ${b.length}`)
  for (let i = 0; i < PROTOCOL_PREFIX.length; i++) {
    if (b[i] !== PROTOCOL_PREFIX[i]) throw new WireError('peer did not send a BitTorrent handshake (bad protocol string)')
  }
  return {
    infoHash: bytesToHex(b.subarray(28, 48)),
    peerId: bytesToHex(b.subarray(48, 68)),
    extensions: (b[25]! & 0x10) !== 0,
  }
}

function checkUint32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new WireError(`${what} must be a 32-bit unsigned integer, got ${v}`)
}

function writeUint32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24
  b[at + 1] = v >>> 16
  b[at + 2] = v >>> 8
  b[at + 3] = v
}

export function readUint32(b: Uint8Array, at: number): number {
  return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!)
}

/** A frame with room for `payloadLength` bytes after the id; returns the frame. */
function frame(id: number, payloadLength: number): Uint8Array {
  const out = new Uint8Array(5 + payloadLength)
  writeUint32(out, 0, 1 + payloadLength)
  out[4] = id
  return out
}

function ints(id: number, values: readonly number[], names: readonly string[]): Uint8Array {
  const out = frame(id, 4 * values.length)
  values.forEach((v, i) => {
    checkUint32(v, names[i]!)
    writeUint32(out, 5 + 4 * i, v)
  })
  return out
}

/**
 * The 13 bytes before a piece message's block. Sending header and block separately lets the
 * sender copy the block once, straight into its coalesced send buffer.
 */
export function encodePieceHeader(index: number, begin: number, blockLength: number): Uint8Array {
  checkUint32(blockLength, 'block length')
  const out = new Uint8Array(13)
  checkUint32(9 + blockLength, 'message length')
  writeUint32(out, 0, 9 + blockLength)
  out[4] = MESSAGE_ID.piece
  checkUint32(index, 'index')
  checkUint32(begin, 'begin')
  writeUint32(out, 5, index)
  writeUint32(out, 9, begin)
  return out
}

export function encodeMessage(m: WireMessage): Uint8Array {
  switch (m.type) {
    case 'keep-alive':
      return new Uint8Array(4)
    case 'choke':
    case 'unchoke':
    case 'interested':
    case 'not-interested':
      return frame(MESSAGE_ID[m.type], 0)
    case 'have':
      return ints(MESSAGE_ID.have, [m.index], ['index'])
    case 'bitfield': {
      const out = frame(MESSAGE_ID.bitfield, m.bits.length)
      out.set(m.bits, 5)
      return out
    }
    case 'request':
    case 'cancel':
      return ints(MESSAGE_ID[m.type], [m.index, m.begin, m.length], ['index', 'begin', 'length'])
    case 'piece': {
      const out = new Uint8Array(13 + m.block.length)
      out.set(encodePieceHeader(m.index, m.begin, m.block.length), 0)
      out.set(m.block, 13)
      return out
    }
    case 'port': {
      if (!Number.isInteger(m.port) || m.port < 0 || m.port > 0xffff) throw new WireError(`bad port ${m.port}`)
      const out = frame(MESSAGE_ID.port, 2)
      out[5] = m.port >>> 8
      out[6] = m.port
      return out
    }
    case 'extended':
    case 'unknown': {
      if (!Number.isInteger(m.id) || m.id < 0 || m.id > 255) throw new WireError(`bad ${m.type} message id ${m.id}`)
      const head = m.type === 'extended' ? 1 : 0
      const out = frame(m.type === 'extended' ? MESSAGE_ID.extended : m.id, head + m.payload.length)
      if (head) out[5] = m.id
      out.set(m.payload, 5 + head)
      return out
    }
    default: {
      const never: never = m
      throw new WireError(`unknown message type ${(never as { type: unknown }).type}`)
    }
  }
}

function expectLength(body: Uint8Array, len: number, name: string): void {
  if (body.length !== len) throw new WireError(`${name} message must be ${len} bytes long, got ${body.length}`)
}

/**
 * Decodes one message body (id byte and payload, after the length prefix; never empty). Payloads
 * are views into `body`, not copies.
 */
export function decodeMessageBody(body: Uint8Array): WireMessage {
  const id = body[0]!
  switch (id) {
    case MESSAGE_ID.choke:
      expectLength(body, 1, 'choke')
      return { type: 'choke' }
    case MESSAGE_ID.unchoke:
      expectLength(body, 1, 'unchoke')
      return { type: 'unchoke' }
    case MESSAGE_ID.interested:
      expectLength(body, 1, 'interested')
      return { type: 'interested' }
    case MESSAGE_ID['not-interested']:
      expectLength(body, 1, 'not interested')
      return { type: 'not-interested' }
    case MESSAGE_ID.have:
      expectLength(body, 5, 'have')
      return { type: 'have', index: readUint32(body, 1) }
    case MESSAGE_ID.bitfield:
      return { type: 'bitfield', bits: body.subarray(1) }
    case MESSAGE_ID.request:
    case MESSAGE_ID.cancel:
      expectLength(body, 13, id === MESSAGE_ID.request ? 'request' : 'cancel')
      return {
        type: id === MESSAGE_ID.request ? 'request' : 'cancel',
        index: readUint32(body, 1),
        begin: readUint32(body, 5),
        length: readUint32(body, 9),
      }
    case MESSAGE_ID.piece:
      if (body.length < 9) throw new WireError(`piece message must be at least 9 bytes long, got ${body.length}`)
      return { type: 'piece', index: readUint32(body, 1), begin: readUint32(body, 5), block: body.subarray(9) }
    case MESSAGE_ID.port:
      expectLength(body, 3, 'port')
      return { type: 'port', port: (body[1]! << 8) | body[2]! }
    case MESSAGE_ID.extended:
      if (body.length < 2) throw new WireError('extended message has no extension id')
      return { type: 'extended', id: body[1]!, payload: body.subarray(2) }
    default:
      // Other ids (BEP 6 fast extension, BEP 52 hashes…) are passed up for the session to ignore.
      return { type: 'unknown', id, payload: body.subarray(1) }
  }
}
