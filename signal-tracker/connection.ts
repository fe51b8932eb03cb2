// The WebSocket side: admits connections (per-IP cap), meters frames (rate limit, size, binary),
// decodes them, binds peer ids to sockets, hands decoded messages to the swarm state, and
// answers every refusal with `failure reason` and a counter. Liveness by ping/pong.

import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket } from 'ws'
import type { RawData } from 'ws'
import {
  ACTION_ANNOUNCE, ACTION_SCRAPE, Kind, MAX_FRAME_BYTES, TrackerProtocolError, decodeClientMessage,
} from '../shared/tracker-protocol'
import { Intake } from './backpressure'
import * as frames from './frames'
import { Refusal } from './swarm'
import type { TrackerCore } from './core'
import type { Peer, RefusalCode, Sink } from './swarm'

export interface GatewayOptions {
  /** Token bucket per connection; null disables it. */
  rateLimit: { perSecond: number; burst: number } | null
  maxConnPerIp: number
  maxPeerIdsPerConnection: number
  /** A socket whose unsent backlog passes this is a slow consumer and is cut off. */
  maxBufferedBytes: number
}

/**
 * ws builds this class for every accepted socket (WebSocketServer's `WebSocket` option), so the
 * per-connection state lives on the socket itself: no side map and no per-socket closures, which
 * matters when holding 10,000+ sockets.
 */
export class TrackerSocket extends WebSocket implements Sink {
  gateway: Gateway | null = null
  ip = ''
  alive = true
  tokens = 0
  refilledAt = 0
  /** Peer ids bound to this socket: one for a tab, a few when clients share a socket pool. */
  owned: Peer[] = []
  /** The TCP socket under this WebSocket, corked while frames for it collect (see deliver). */
  raw: Duplex | null = null
  corked = false
  /** Not read while the gateway's queue of waiting frames is too long (see backpressure.ts). */
  held = false

  get isOpen(): boolean { return this.readyState === WebSocket.OPEN }

  /**
   * Sends a frame, coalescing: the first frame for this socket in an event-loop turn corks
   * the TCP socket and the gateway uncorks every corked socket once the turn's I/O is handled
   * (setImmediate). Under load one socket often gets a reply, offers and answers in the same
   * turn; they leave in one write syscall instead of one each, and syscalls are most of a
   * relay's cost. No timer, so no added latency.
   */
  deliver(frame: string): void {
    if (this.readyState !== WebSocket.OPEN) return
    const g = this.gateway
    if (g) {
      if (this.bufferedAmount > g.opts.maxBufferedBytes) return g.cutSlowConsumer(this)
      if (!this.corked && this.raw) {
        this.corked = true
        this.raw.cork()
        g.uncorkLater(this)
      }
    }
    this.send(frame)
  }
}

// Shared listeners (ws calls them with `this` = the socket) instead of closures per socket.
function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const ws = this as TrackerSocket
  ws.gateway?.receive(ws, data, isBinary)
}
function onPong(this: WebSocket): void { (this as TrackerSocket).alive = true }
function onClose(this: WebSocket): void { (this as TrackerSocket).gateway?.drop(this as TrackerSocket) }
// Socket errors are followed by 'close', which does the cleanup; the listener only keeps an
// 'error' event from becoming an uncaught exception.
function onError(): void {}

interface Frame { ws: TrackerSocket; data: RawData; isBinary: boolean }

const KNOWN_ACTIONS = new Set<string>([ACTION_ANNOUNCE, ACTION_SCRAPE])

export class Gateway {
  readonly sockets = new Set<TrackerSocket>()
  private readonly perIp = new Map<string, number>()
  badFrames = 0
  deadSockets = 0
  readonly refusals: Record<RefusalCode, number> = {
    rate_limited: 0, binary_frame: 0, frame_too_large: 0, malformed: 0, peer_id_taken: 0,
    too_many_peer_ids: 0, too_many_torrents: 0, no_pending_offer: 0, scrape_without_hash: 0,
    connection_limit: 0, slow_consumer: 0, internal_error: 0, tracker_unavailable: 0,
  }

  private corked: TrackerSocket[] = []
  private readonly uncorkAll = (): void => {
    const list = this.corked
    this.corked = []
    for (const ws of list) {
      ws.corked = false
      ws.raw?.uncork()
    }
  }

  /** Frames waiting for the backend's backlog to drain (cluster nodes only). */
  private readonly intake: Intake<Frame> | null = null
  private held: TrackerSocket[] = []

  constructor(readonly state: TrackerCore, readonly opts: GatewayOptions) {
    if (state.backlog) {
      this.intake = new Intake<Frame>(state.backlog, (f) => {
        if (this.sockets.has(f.ws)) this.handle(f.ws, f.data, f.isBinary, Date.now())
      })
      this.intake.drained = () => {
        const list = this.held
        this.held = []
        for (const ws of list) {
          ws.held = false
          ws.resume()
        }
      }
    }
  }

  /** A frame from a socket: metered now, handled now or, on a busy cluster node, in turn. */
  receive(ws: TrackerSocket, data: RawData, isBinary: boolean): void {
    if (!this.intake) return this.onFrame(ws, data, isBinary)
    if (!this.meter(ws, Date.now())) return
    if (this.intake.offer({ ws, data, isBinary })) return
    // The queue is long: stop reading this socket (its frames wait in the kernel) until empty.
    if (ws.held) return
    ws.held = true
    ws.pause()
    this.held.push(ws)
  }

  uncorkLater(ws: TrackerSocket): void {
    if (this.corked.push(ws) === 1) setImmediate(this.uncorkAll)
  }

  accept(ws: TrackerSocket, req: IncomingMessage): void {
    ws.on('error', onError)
    // IPv4-mapped IPv6 and plain IPv4 are the same client.
    const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '')
    const n = this.perIp.get(ip) ?? 0
    if (n >= this.opts.maxConnPerIp) {
      this.refusals.connection_limit++
      ws.send(frames.failure('too many connections from this address'))
      ws.close(1008, 'too many connections')
      return
    }
    this.perIp.set(ip, n + 1)
    ws.gateway = this
    ws.raw = req.socket
    ws.ip = ip
    ws.tokens = this.opts.rateLimit?.burst ?? 0
    ws.refilledAt = Date.now()
    this.sockets.add(ws)
    ws.on('message', onMessage)
    ws.on('pong', onPong)
    ws.on('close', onClose)
  }

  onFrame(ws: TrackerSocket, data: RawData, isBinary: boolean): void {
    const now = Date.now()
    if (this.meter(ws, now)) this.handle(ws, data, isBinary, now)
  }

  /** The per-connection rate limit: false (and refused) when the frame is over it. */
  private meter(ws: TrackerSocket, now: number): boolean {
    const rl = this.opts.rateLimit
    if (!rl) return true
    ws.tokens = Math.min(rl.burst, ws.tokens + ((now - ws.refilledAt) * rl.perSecond) / 1000)
    ws.refilledAt = now
    // Refused unparsed: the point of the limit is not to spend CPU on the flood.
    if (ws.tokens < 1) {
      this.refuse(ws, 'rate_limited', 'rate limit exceeded; slow down')
      return false
    }
    ws.tokens -= 1
    return true
  }

  private handle(ws: TrackerSocket, data: RawData, isBinary: boolean, now: number): void {
    if (isBinary) return this.refuse(ws, 'binary_frame', 'binary frames are not accepted; send JSON text')
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
    if (buf.length > MAX_FRAME_BYTES) return this.refuse(ws, 'frame_too_large', `frame larger than ${MAX_FRAME_BYTES} bytes`)
    const text = buf.toString()
    let action: string | undefined
    let infoHash: string | undefined
    try {
      const msg = decodeClientMessage(text)
      action = msg.action
      if (msg.kind === Kind.Scrape) {
        if (msg.info_hash.length === 0) throw new Refusal('scrape_without_hash', 'scrape needs info_hash (the tracker does not list every torrent)')
        this.state.scrapeTo(ws, msg.info_hash)
        return
      }
      infoHash = msg.info_hash
      const peer = this.peerFor(ws, msg.peer_id, now)
      if (msg.kind === Kind.Announce) this.state.announce(peer, msg, now)
      else this.state.answer(peer, msg, now)
    } catch (err) {
      if (err instanceof TrackerProtocolError) {
        const a = err.action !== undefined && KNOWN_ACTIONS.has(err.action) ? err.action : undefined
        return this.refuse(ws, 'malformed', err.message, a, a === undefined ? undefined : err.info_hash)
      }
      if (err instanceof Refusal) return this.refuse(ws, err.code, err.message, action, infoHash)
      // A bug must cost one frame, not the tracker.
      console.error('signal-tracker: internal error on a frame:', err)
      this.refuse(ws, 'internal_error', 'internal error', action, infoHash)
    }
  }

  /** The peer a frame speaks for; ids belong to the socket that used them first. */
  private peerFor(ws: TrackerSocket, id: string, now: number): Peer {
    const p = this.state.peers.get(id)
    if (p) {
      if (p.sink !== ws) throw new Refusal('peer_id_taken', 'peer_id is in use by another connection')
      return p
    }
    if (ws.owned.length >= this.opts.maxPeerIdsPerConnection) {
      throw new Refusal('too_many_peer_ids', `at most ${this.opts.maxPeerIdsPerConnection} peer ids per connection`)
    }
    const np = this.state.bind(id, ws, now)
    ws.owned.push(np)
    return np
  }

  refuse(ws: Sink, code: RefusalCode, reason: string, action?: string, infoHash?: string): void {
    this.badFrames++
    this.refusals[code]++
    ws.deliver(frames.failure(reason, action, infoHash))
  }

  cutSlowConsumer(ws: TrackerSocket): void {
    this.refusals.slow_consumer++
    this.drop(ws)
    ws.terminate()
  }

  /** Forgets a socket and every peer on it. Idempotent: runs on close and on a missed pong. */
  drop(ws: TrackerSocket): void {
    if (!this.sockets.delete(ws)) return
    const n = (this.perIp.get(ws.ip) ?? 1) - 1
    if (n > 0) this.perIp.set(ws.ip, n)
    else this.perIp.delete(ws.ip)
    for (const p of ws.owned) this.state.remove(p)
    ws.owned = []
  }

  /** A socket that has not answered the previous ping is dead: its peers leave now. */
  heartbeat(): void {
    for (const ws of this.sockets) {
      if (!ws.alive) {
        this.deadSockets++
        this.drop(ws)
        ws.terminate()
        continue
      }
      ws.alive = false
      ws.ping()
    }
  }

  closeAll(): void {
    for (const ws of this.sockets) {
      this.drop(ws)
      ws.terminate()
    }
  }
}
