// A BEP 3 byte stream over one data channel. Outgoing messages are coalesced into large sends
// because SCTP/DTLS cost is per message: 16 KiB sends top out near 19 MB/s here, 64–256 KiB
// sends near 25 MB/s (DESIGN.md). Sends stop while the channel's buffer is above HIGH_WATER.
import { WireDecoder, encodeHandshake, encodeMessage, encodePieceHeader } from '@shared/wire'
import type { Handshake, WireMessage } from '@shared/wire'
import { afterTask } from './after-task'
import type { PeerChannel } from './rtc'

/** The data channel's maximum message size in Chromium (a=max-message-size:262144). */
export const MAX_SEND = 256 * 1024
/** Never below this, whatever a peer's SDP claims: tiny sends would cost more than they save. */
const MIN_SEND = 16 * 1024
/** Stop handing bytes to the channel above this; resume on 'bufferedamountlow'. */
export const HIGH_WATER = 4 * 1024 * 1024

/**
 * One send buffer for every session. RTCDataChannel.send copies its argument before returning,
 * so the buffer is free again at once; a fresh 256 KiB buffer per send cost the seeder's main
 * thread about 1 s per 256 MiB in allocation, page faults and GC (profiled in the 1→1 bench).
 */
let scratch: Uint8Array | null = null

export interface WireHandlers {
  handshake(h: Handshake): void
  message(m: WireMessage): void
  /** The channel has room again: a good moment to send queued uploads. */
  drain(): void
  close(reason: string): void
}

export class WireSession {
  private readonly queue: Uint8Array[] = []
  private queuedBytes = 0
  private flushScheduled = false
  private closed = false
  private readonly decoder: WireDecoder
  bytesSent = 0
  bytesReceived = 0
  /**
   * Our largest send: MAX_SEND, or less when the remote accepts less. Firefox accepts far more
   * (1 GiB) but gains nothing from it here, and Chromium peers would refuse it.
   */
  private readonly maxSend: number

  constructor(
    private readonly channel: PeerChannel,
    private readonly handlers: WireHandlers,
  ) {
    this.maxSend = Math.max(MIN_SEND, Math.min(MAX_SEND, channel.maxMessageSize ?? MAX_SEND))
    this.decoder = new WireDecoder({
      handshake: (h) => handlers.handshake(h),
      message: (m) => handlers.message(m),
    })
    channel.onData((data) => {
      if (this.closed) return
      this.bytesReceived += data.byteLength
      try {
        this.decoder.push(data)
      } catch (err) {
        // A peer speaking garbage is disconnected; it never takes the tab down.
        this.close(`protocol error: ${err instanceof Error ? err.message : String(err)}`)
      }
    })
    channel.onDrain(() => {
      this.flush(false)
      if (!this.closed) handlers.drain()
    })
    channel.onClose((reason) => this.close(reason))
  }

  /** Bytes waiting in our queue plus the channel's own buffer. */
  get backlog(): number {
    return this.queuedBytes + this.channel.bufferedAmount
  }

  /** True when the sender should hold off producing more piece data. */
  get congested(): boolean {
    return this.backlog > HIGH_WATER
  }

  sendHandshake(h: Handshake): void {
    this.enqueue(encodeHandshake(h))
  }

  send(m: WireMessage): void {
    this.enqueue(encodeMessage(m))
  }

  /** Header and block are queued separately so the block is copied once, into the send buffer. */
  sendPiece(index: number, begin: number, block: Uint8Array): void {
    this.enqueue(encodePieceHeader(index, begin, block.byteLength))
    this.enqueue(block)
  }

  close(reason = 'closed'): void {
    if (this.closed) return
    this.closed = true
    this.queue.length = 0
    this.queuedBytes = 0
    this.channel.close()
    this.handlers.close(reason)
  }

  get isClosed(): boolean {
    return this.closed
  }

  private enqueue(bytes: Uint8Array): void {
    if (this.closed) return
    this.queue.push(bytes)
    this.queuedBytes += bytes.byteLength
    // Full-size sends go at once; the remainder waits for the end of this task (not a
    // microtask: the uploader awaits between blocks, and a microtask flush would then send
    // every 16 KiB block as its own message, the slow case measured in DESIGN.md).
    if (this.queuedBytes >= this.maxSend) this.flush(true)
    if (!this.flushScheduled && this.queuedBytes > 0) {
      this.flushScheduled = true
      afterTask(() => {
        this.flushScheduled = false
        this.flush(false)
      })
    }
  }

  /** Sends queued bytes in messages of up to maxSend; with `fullOnly`, only whole ones. */
  private flush(fullOnly = false): void {
    while (!this.closed && this.queuedBytes >= (fullOnly ? this.maxSend : 1) && this.channel.bufferedAmount < HIGH_WATER) {
      const size = Math.min(this.queuedBytes, this.maxSend)
      scratch ??= new Uint8Array(MAX_SEND)
      const out = scratch.subarray(0, size)
      let filled = 0
      while (filled < size) {
        const head = this.queue[0]!
        const take = Math.min(head.byteLength, size - filled)
        out.set(take === head.byteLength ? head : head.subarray(0, take), filled)
        filled += take
        if (take === head.byteLength) this.queue.shift()
        else this.queue[0] = head.subarray(take)
      }
      this.queuedBytes -= size
      this.bytesSent += size
      this.channel.send(out)
    }
  }
}
