// Incremental BEP 3 stream parser. A data channel delivers the byte stream in arbitrary chunks
// (our peers coalesce messages into 64–256 KiB sends, others may split anywhere), and at
// 25 MB/s this is the hot path, so pushed chunks are queued, never concatenated, and a message
// that lies inside one chunk is handed out as a view of it without copying.
import {
  HANDSHAKE_LENGTH,
  PROTOCOL_PREFIX,
  WireError,
  decodeHandshake,
  decodeMessageBody,
  type Handshake,
  type WireMessage,
} from './wire-message'

export interface WireDecoderHandlers {
  handshake(h: Handshake): void
  message(m: WireMessage): void
}

export interface WireDecoderOptions {
  /** Largest accepted message (length prefix value). A 16 KiB block needs 16384 + 9. */
  maxMessageLength?: number
  /** Whether the stream starts with a handshake (default true). */
  expectHandshake?: boolean
}

/** 1 MiB + 13: room for a bitfield of 8M pieces and blocks far larger than the 16 KiB we ask. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 1024 * 1024 + 13

export class WireDecoder {
  private readonly maxMessageLength: number
  private handshakeDone: boolean
  // Pending chunks from `head` on; `offset` bytes of chunks[head] are already consumed. Using a
  // head index instead of shift() keeps a stream of tiny chunks linear.
  private chunks: Uint8Array[] = []
  private head = 0
  private offset = 0
  private buffered = 0
  private parsing = false
  private failure: WireError | null = null

  constructor(
    private readonly handlers: WireDecoderHandlers,
    opts: WireDecoderOptions = {},
  ) {
    this.maxMessageLength = opts.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH
    this.handshakeDone = opts.expectHandshake === false
  }

  /** Bytes received but not yet parsed (an incomplete frame). */
  get bufferedBytes(): number {
    return this.buffered
  }

  /**
   * Queues `chunk` and emits every complete handshake/message. The chunk must not be modified
   * afterwards: emitted payloads may be views into it. After a WireError the stream is out of
   * sync, so every later push throws the same error.
   */
  push(chunk: Uint8Array): void {
    if (this.failure) throw this.failure
    if (!(chunk instanceof Uint8Array)) throw new WireError('wire data must be a Uint8Array')
    if (chunk.length > 0) {
      this.chunks.push(chunk)
      this.buffered += chunk.length
    }
    // A handler may push again synchronously (tests, loopback); the outer loop picks that up.
    if (this.parsing) return
    this.parsing = true
    try {
      this.parse()
    } catch (err) {
      if (err instanceof WireError) this.failure = err
      throw err
    } finally {
      this.parsing = false
    }
  }

  private parse(): void {
    while (true) {
      if (!this.handshakeDone) {
        this.checkProtocolPrefix()
        if (this.buffered < HANDSHAKE_LENGTH) return
        const h = decodeHandshake(this.take(HANDSHAKE_LENGTH))
        this.handshakeDone = true
        this.handlers.handshake(h)
        continue
      }
      if (this.buffered < 4) return
      const length = this.peekUint32()
      if (length > this.maxMessageLength) {
        throw new WireError(`message of ${length} bytes exceeds the limit of ${this.maxMessageLength}`)
      }
      if (this.buffered < 4 + length) return
      this.skip(4)
      if (length === 0) {
        this.handlers.message({ type: 'keep-alive' })
        continue
      }
      this.handlers.message(decodeMessageBody(this.take(length)))
    }
  }

  /** Fails fast on a non-BitTorrent stream instead of waiting for 68 bytes that may never come. */
  private checkProtocolPrefix(): void {
    const n = Math.min(this.buffered, PROTOCOL_PREFIX.length)
    for (let i = 0; i < n; i++) {
      if (this.byteAt(i) !== PROTOCOL_PREFIX[i]) {
        throw new WireError('peer did not send a BitTorrent handshake (bad protocol string)')
      }
    }
  }

  private byteAt(i: number): number {
    let at = this.offset + i
    for (let c = this.head; c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!
      if (at < chunk.length) return chunk[at]!
      at -= chunk.length
    }
    throw new WireError('internal: read past buffered data')
  }

  private peekUint32(): number {
    const chunk = this.chunks[this.head]!
    const at = this.offset
    if (at + 4 <= chunk.length) {
      return chunk[at]! * 0x1000000 + ((chunk[at + 1]! << 16) | (chunk[at + 2]! << 8) | chunk[at + 3]!)
    }
    return this.byteAt(0) * 0x1000000 + ((this.byteAt(1) << 16) | (this.byteAt(2) << 8) | this.byteAt(3))
  }

  private skip(n: number): void {
    this.buffered -= n
    while (n > 0) {
      const chunk = this.chunks[this.head]!
      const step = Math.min(n, chunk.length - this.offset)
      this.offset += step
      n -= step
      if (this.offset === chunk.length) this.dropHead()
    }
  }

  /** The next n buffered bytes: a view if they lie in one chunk, else a fresh copy. */
  private take(n: number): Uint8Array {
    const first = this.chunks[this.head]!
    if (this.offset + n <= first.length) {
      const view = first.subarray(this.offset, this.offset + n)
      this.offset += n
      this.buffered -= n
      if (this.offset === first.length) this.dropHead()
      return view
    }
    const out = new Uint8Array(n)
    let filled = 0
    while (filled < n) {
      const chunk = this.chunks[this.head]!
      const step = Math.min(n - filled, chunk.length - this.offset)
      out.set(chunk.subarray(this.offset, this.offset + step), filled)
      filled += step
      this.offset += step
      if (this.offset === chunk.length) this.dropHead()
    }
    this.buffered -= n
    return out
  }

  private dropHead(): void {
    this.head++
    this.offset = 0
    if (this.head === this.chunks.length) {
      this.chunks = []
      this.head = 0
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      // Compact now and then so consumed chunks can be garbage collected.
      this.chunks = this.chunks.slice(this.head)
      this.head = 0
    }
  }
}
