// The one place that touches simple-peer. Everything above it sees a PeerChannel: bytes in,
// bytes out, and the data channel's bufferedAmount for backpressure.
import SimplePeerCtor from 'simple-peer/simplepeer.min.js'
import type { Instance as SimplePeerInstance, SignalData } from 'simple-peer'

// simple-peer's defaults name public STUN servers; we never fall back to them. ICE servers
// come only from the tracker (/api/ice), default none.
SimplePeerCtor.config = { iceServers: [] }

export interface PeerChannel {
  /** Copies `data` (as RTCDataChannel.send does): the caller may reuse it once this returns. */
  send(data: Uint8Array): void
  readonly bufferedAmount: number
  /** The largest message the remote accepts (its SDP a=max-message-size); absent: unknown. */
  readonly maxMessageSize?: number
  onData(cb: (data: Uint8Array) => void): void
  onDrain(cb: () => void): void
  onClose(cb: (reason: string) => void): void
  close(): void
}

/** Below this much queued in the data channel we keep sending; 'bufferedamountlow' fires at it. */
export const LOW_WATER = 1024 * 1024

export interface Signaller {
  peer: SimplePeerInstance
  /** Resolves with our offer or answer SDP once ICE gathering is complete (trickle off). */
  signal: Promise<{ type: string; sdp: string }>
  /** Resolves with the channel once connected. */
  connected: Promise<PeerChannel>
  destroy(): void
}

export function createSignaller(initiator: boolean, iceServers: RTCIceServer[]): Signaller {
  // Trickle is off: the WebSocket tracker protocol relays one offer and one answer, no candidates.
  const peer = new SimplePeerCtor({ initiator, trickle: false, config: { iceServers } })
  let destroyed = false
  const signal = new Promise<{ type: string; sdp: string }>((resolve, reject) => {
    peer.once('signal', (raw: SignalData) => {
      const data = raw as { type?: unknown; sdp?: unknown }
      if (typeof data.sdp === 'string' && typeof data.type === 'string') resolve({ type: data.type, sdp: data.sdp })
      else reject(new Error('WebRTC produced no session description'))
    })
    peer.once('error', reject)
    peer.once('close', () => reject(new Error('connection closed before signalling')))
  })
  const connected = new Promise<PeerChannel>((resolve, reject) => {
    peer.once('connect', () => resolve(wrap(peer)))
    peer.once('error', reject)
    peer.once('close', () => reject(new Error('connection closed before it opened')))
  })
  // Callers may drop one of these promises; never let that surface as an unhandled rejection.
  signal.catch(() => undefined)
  connected.catch(() => undefined)
  return {
    peer,
    signal,
    connected,
    destroy() {
      if (destroyed) return
      destroyed = true
      peer.destroy()
    },
  }
}

export function acceptSignal(s: Signaller, data: { type: string; sdp: string }): void {
  s.peer.signal(data as SignalData)
}

interface WithChannel {
  _channel?: RTCDataChannel
  _pc?: RTCPeerConnection
}

function wrap(peer: SimplePeerInstance): PeerChannel {
  const channel = (peer as unknown as WithChannel)._channel
  if (!channel) throw new Error('connected peer has no data channel')
  // Browsers differ: Chromium accepts 256 KiB per message, Firefox 1 GiB, Safari and older
  // Firefox 64 KiB; a larger send fails or closes the channel. Known once connected.
  const remoteMax = (peer as unknown as WithChannel)._pc?.sctp?.maxMessageSize
  const maxMessageSize = typeof remoteMax === 'number' && remoteMax > 0 ? remoteMax : undefined
  // simple-peer sets 64 KiB, tuned for its stream writes; we send directly and keep more in flight.
  channel.bufferedAmountLowThreshold = LOW_WATER
  let closed = false
  const closeHandlers: ((reason: string) => void)[] = []
  const fireClose = (reason: string) => {
    if (closed) return
    closed = true
    for (const cb of closeHandlers) cb(reason)
  }
  peer.on('close', () => fireClose('connection closed'))
  peer.on('error', (err: Error) => fireClose(err.message || 'connection error'))
  return {
    send(data) {
      if (closed || channel.readyState !== 'open') return
      // Send the view directly: RTCDataChannel accepts ArrayBufferView and copies it.
      channel.send(data as Uint8Array<ArrayBuffer>)
    },
    get bufferedAmount() {
      return channel.bufferedAmount
    },
    ...(maxMessageSize === undefined ? {} : { maxMessageSize }),
    onData(cb) {
      peer.on('data', (d: Uint8Array) => cb(d))
    },
    onDrain(cb) {
      channel.addEventListener('bufferedamountlow', cb)
    },
    onClose(cb) {
      closeHandlers.push(cb)
    },
    close() {
      fireClose('closed by us')
      peer.destroy()
    },
  }
}
