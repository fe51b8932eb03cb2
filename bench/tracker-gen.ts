// Load generator for bench/tracker-load.ts: thousands of simulated WebTorrent peers, each a
// real WebSocket connection over loopback. It speaks RFC 6455 over raw TCP sockets (masked
// client frames, pre-built per peer) and reads tracker frames with indexOf instead of
// JSON.parse, so one generator core can outrun one tracker core and the figures measure the
// tracker, not the generator. Peer and offer ids are ASCII, valid 20-char binary strings.

import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'

export const OFFERS_PER_ANNOUNCE = 5 // what WebTorrent sends: min(numwant, 5)

// A realistic trickle-less data-channel SDP (~0.5 KB), as Chromium produces for WebTorrent.
const SDP = (type: string): string => [
  'v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
  'a=extmap-allow-mixed', 'a=msid-semantic: WMS', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0', 'a=candidate:1467250027 1 udp 2122260223 192.168.1.23 54321 typ host generation 0',
  'a=candidate:3591390915 1 tcp 1518280447 192.168.1.23 9 typ host tcptype active generation 0',
  'a=ice-ufrag:Xz8b', 'a=ice-pwd:0aTz1rHk2mQ8c4VvW3pL9sYd', 'a=ice-options:trickle',
  'a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CD:A5:3B:BF:35:6F:2A:9D:4E:7A:11:0C:53:84:21:9E:6A:2E:3F:47',
  `a=setup:${type === 'offer' ? 'actpass' : 'active'}`, 'a=mid:0', 'a=sctp-port:5000', 'a=max-message-size:262144', '',
].join('\r\n')
const OFFER_SDP_JSON = JSON.stringify(SDP('offer'))
const ANSWER_SDP_JSON = JSON.stringify(SDP('answer'))

const pad = (n: number, w: number): string => String(n).padStart(w, '0')
export const peerId = (i: number): string => '-BN0001-' + pad(i, 12)
export const infoHash = (s: number): string => 'BENCHSWARM' + pad(s, 10)
// 'OF', offerer index (12), slot (1), per-announce sequence (5): unique per announce, as
// WebTorrent's random ids are, so a re-announce never reuses a still-pending offer id.
const offerId = (i: number, slot: number): string => 'OF' + pad(i, 12) + slot + '00000'
const SEQ_OFFSET = 15
const SEQ_DIGITS = 5

const MASK = randomBytes(4)

/** A masked client text frame (RFC 6455 5.2), or a control frame with `opcode`. */
function frame(payload: Buffer, opcode = 1): Buffer {
  const len = payload.length
  const hdr = len < 126 ? 2 : len < 65536 ? 4 : 10
  const out = Buffer.allocUnsafe(hdr + 4 + len)
  out[0] = 0x80 | opcode
  if (len < 126) out[1] = 0x80 | len
  else if (len < 65536) { out[1] = 0x80 | 126; out.writeUInt16BE(len, 2) } else { out[1] = 0x80 | 127; out.writeUInt32BE(0, 2); out.writeUInt32BE(len, 6) }
  MASK.copy(out, hdr)
  for (let i = 0; i < len; i++) out[hdr + 4 + i] = payload[i]! ^ MASK[i & 3]!
  return out
}
const text = (s: string): Buffer => frame(Buffer.from(s, 'latin1'))

/**
 * Where the sequence digits of each offer id sit in an announce frame: the same for every peer
 * (ids have fixed lengths), so found once by unmasking the first frame seen.
 */
let seqPositions: { frame: number; payload: number }[] | null = null
function offerSeqPositions(f: Buffer): { frame: number; payload: number }[] {
  if (seqPositions) return seqPositions
  const hdr = (f[1]! & 0x7f) === 126 ? 4 : (f[1]! & 0x7f) === 127 ? 10 : 2
  const payload = Buffer.from(f.subarray(hdr + 4))
  for (let i = 0; i < payload.length; i++) payload[i]! ^= MASK[i & 3]!
  const out: { frame: number; payload: number }[] = []
  const mark = Buffer.from('"offer_id":"')
  for (let at = payload.indexOf(mark); at >= 0; at = payload.indexOf(mark, at + 1)) {
    const p = at + mark.length + SEQ_OFFSET
    out.push({ frame: hdr + 4 + p, payload: p })
  }
  seqPositions = out
  return out
}

const OFFER_MARK = Buffer.from('"offer":{')
const ANSWER_MARK = Buffer.from('"answer":{')
const INTERVAL_MARK = Buffer.from('"interval":')
const FAILURE_MARK = Buffer.from('"failure reason"')
const OFFER_ID_MARK = Buffer.from('"offer_id":"')
const PEER_ID_MARK = Buffer.from('"peer_id":"')

interface Peer {
  idx: number
  sock: Socket
  pending: Buffer | null
  open: boolean
  upgraded: boolean
  announceWithOffers: Buffer
  announcePlain: Buffer
  answerPrefix: string
  /** Closed-loop mode: an announce of this peer is awaiting its response. */
  inFlight: boolean
  /** The announce in flight carries offers. */
  withOffers: boolean
  seq: number
}

export interface Counters {
  announcesAnswered: number
  offersReceived: number
  answersReceived: number
  failures: number
}

export class LoadGenerator {
  readonly peers: Peer[] = []
  readonly c: Counters = { announcesAnswered: 0, offersReceived: 0, answersReceived: 0, failures: 0 }
  /** Send times, to turn relayed frames into one-hop latencies (ms). */
  private announceSentAt: Float64Array
  private answerSentAt: Float64Array
  latencies: number[] = []
  /** The subset of `latencies` whose two peers sit on different tracker nodes. */
  crossLatencies: number[] = []
  recordLatency = false
  /** Closed-loop mode: how many announces may be outstanding; 0 = paced mode. */
  private window = 0
  private withOffers = true
  private ready: number[] = []
  private readyHead = 0
  lastFailure = ''
  /** Announces sent and not answered yet, and when the tracker last sent anything. */
  outstanding = 0
  /**
   * Answers sent and not yet delivered to their offerer. On one process every relay happens in
   * the announce's own turn; across nodes the announce is answered before its offers travel, so
   * a loop driven by announce replies alone piles up relays faster than they are delivered
   * (tens of MB queued, seconds late, billed to the next phase). The closed loop counts them,
   * and the offers owed (below), as outstanding work.
   */
  answersInFlight = 0
  /**
   * Offers owed to the peers: OFFERS_PER_ANNOUNCE per answered announce that carried offers
   * (every swarm here has more members than that), less the offers received. It may dip below
   * zero for a moment (an offer can overtake its announce's reply).
   */
  offersInFlight = 0
  private lastFrameAt = 0

  readonly ports: number[]

  /**
   * Several ports (tracker nodes sharing swarms): peer i connects to node floor(i / swarms) % n,
   * so that every swarm (peers s, s + swarms, s + 2 swarms, ...) has members on every node.
   */
  constructor(port: number | number[], readonly count: number, readonly swarms: number) {
    this.ports = Array.isArray(port) ? port : [port]
    this.announceSentAt = new Float64Array(count)
    this.answerSentAt = new Float64Array(count * OFFERS_PER_ANNOUNCE)
  }

  /** Opens every connection, `concurrency` handshakes at a time. */
  async connectAll(concurrency = 256): Promise<void> {
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < this.count) await this.open(next++)
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
  }

  private open(idx: number): Promise<void> {
    const ih = infoHash(idx % this.swarms)
    const pid = peerId(idx)
    const base = `{"action":"announce","info_hash":"${ih}","peer_id":"${pid}","uploaded":0,"downloaded":0,"left":1000`
    const offers = Array.from({ length: OFFERS_PER_ANNOUNCE }, (_, s) => `{"offer_id":"${offerId(idx, s)}","offer":{"type":"offer","sdp":${OFFER_SDP_JSON}}}`)
    return new Promise((resolve, reject) => {
      const port = this.ports[this.nodeOf(idx)]!
      const sock = connect({ host: '127.0.0.1', port })
      const peer: Peer = {
        idx, sock, pending: null, open: false, upgraded: false, inFlight: false, withOffers: false, seq: 0,
        announceWithOffers: text(`${base},"numwant":${OFFERS_PER_ANNOUNCE},"offers":[${offers.join(',')}]}`),
        announcePlain: text(`${base},"numwant":0}`),
        answerPrefix: `{"action":"announce","info_hash":"${ih}","peer_id":"${pid}","answer":{"type":"answer","sdp":${ANSWER_SDP_JSON}},`,
      }
      this.peers[idx] = peer
      sock.setNoDelay(true)
      sock.once('error', reject)
      sock.once('connect', () => {
        sock.write(`GET /announce HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`)
      })
      sock.on('data', (chunk: Buffer) => {
        if (!peer.upgraded) {
          const buf = peer.pending ? Buffer.concat([peer.pending, chunk]) : chunk
          const end = buf.indexOf('\r\n\r\n')
          if (end < 0) { peer.pending = buf; return }
          if (!buf.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${buf.subarray(0, 80)}`))
          peer.upgraded = true
          peer.open = true
          peer.pending = null
          sock.removeListener('error', reject)
          sock.on('error', () => { peer.open = false })
          sock.on('close', () => { peer.open = false })
          resolve()
          if (end + 4 < buf.length) this.onData(peer, buf.subarray(end + 4))
          return
        }
        this.onData(peer, chunk)
      })
    })
  }

  private onData(p: Peer, chunk: Buffer): void {
    const buf = p.pending ? Buffer.concat([p.pending, chunk]) : chunk
    let off = 0
    while (buf.length - off >= 2) {
      const b0 = buf[off]!
      let len = buf[off + 1]! & 0x7f
      let hdr = 2
      if (len === 126) { if (buf.length - off < 4) break; len = buf.readUInt16BE(off + 2); hdr = 4 } else if (len === 127) { if (buf.length - off < 10) break; len = buf.readUInt32BE(off + 6); hdr = 10 }
      if (buf.length - off < hdr + len) break
      const start = off + hdr
      const op = b0 & 0x0f
      if (op === 1) this.onText(p, buf.subarray(start, start + len))
      else if (op === 9) p.sock.write(frame(Buffer.from(buf.subarray(start, start + len)), 0xa)) // ping -> pong
      else if (op === 8) p.open = false
      off = start + len
    }
    p.pending = off < buf.length ? Buffer.from(buf.subarray(off)) : null
  }

  private onText(p: Peer, s: Buffer): void {
    this.lastFrameAt = performance.now()
    if (s.indexOf(OFFER_MARK) >= 0) {
      this.c.offersReceived++
      this.offersInFlight--
      const o = s.indexOf(OFFER_ID_MARK) + OFFER_ID_MARK.length
      const oid = s.toString('latin1', o, o + 20)
      const q = s.indexOf(PEER_ID_MARK) + PEER_ID_MARK.length
      const from = s.toString('latin1', q, q + 20)
      const offerer = Number(oid.slice(2, 14))
      const slot = oid.charCodeAt(14) - 48
      const now = performance.now()
      if (this.recordLatency) this.record(now - this.announceSentAt[offerer]!, offerer, p.idx)
      this.answerSentAt[offerer * OFFERS_PER_ANNOUNCE + slot] = now
      if (p.open) {
        p.sock.write(text(p.answerPrefix + `"to_peer_id":"${from}","offer_id":"${oid}"}`))
        this.answersInFlight++
      }
      return
    }
    if (s.indexOf(ANSWER_MARK) >= 0) {
      this.c.answersReceived++
      if (this.answersInFlight > 0) this.answersInFlight--
      if (this.window > 0) this.pump()
      const o = s.indexOf(OFFER_ID_MARK) + OFFER_ID_MARK.length
      const oid = s.toString('latin1', o, o + 20)
      const k = Number(oid.slice(2, 14)) * OFFERS_PER_ANNOUNCE + oid.charCodeAt(14) - 48
      if (this.recordLatency) {
        const q = s.indexOf(PEER_ID_MARK) + PEER_ID_MARK.length
        this.record(performance.now() - this.answerSentAt[k]!, Number(s.toString('latin1', q + 8, q + 20)), p.idx)
      }
      return
    }
    if (s.indexOf(INTERVAL_MARK) >= 0) {
      this.c.announcesAnswered++
      if (p.inFlight) {
        p.inFlight = false
        this.outstanding--
        if (p.withOffers) this.offersInFlight += OFFERS_PER_ANNOUNCE
        if (this.window > 0) { this.ready.push(p.idx); this.pump() }
      }
      return
    }
    if (s.indexOf(FAILURE_MARK) >= 0) {
      this.c.failures++
      this.lastFailure = s.toString()
    }
  }

  nodeOf(idx: number): number { return Math.floor(idx / this.swarms) % this.ports.length }

  private record(ms: number, from: number, to: number): void {
    this.latencies.push(ms)
    if (this.ports.length > 1 && this.nodeOf(from) !== this.nodeOf(to)) this.crossLatencies.push(ms)
  }

  announce(p: Peer, withOffers: boolean): void {
    if (!p.open) return
    if (!p.inFlight) this.outstanding++
    p.inFlight = true
    this.announceSentAt[p.idx] = performance.now()
    p.withOffers = withOffers
    if (!withOffers) return void p.sock.write(p.announcePlain)
    // A copy of the pre-built masked frame with this announce's sequence patched into each
    // offer id: cheaper than building and masking 3 KB per announce.
    const f = Buffer.from(p.announceWithOffers)
    const seq = String(p.seq = (p.seq + 1) % 10 ** SEQ_DIGITS).padStart(SEQ_DIGITS, '0')
    for (const at of offerSeqPositions(f)) {
      for (let k = 0; k < SEQ_DIGITS; k++) f[at.frame + k] = seq.charCodeAt(k) ^ MASK[(at.payload + k) & 3]!
    }
    p.sock.write(f)
  }

  /** Paced mode: every peer announces once per `intervalMs`, spread evenly; returns a stopper. */
  paced(intervalMs: number): () => void {
    this.window = 0
    const n = this.peers.length
    const tickMs = 10
    const perTick = (n * tickMs) / intervalMs
    let cursor = 0
    let carry = 0
    const timer = setInterval(() => {
      carry += perTick
      for (; carry >= 1; carry--) this.announce(this.peers[cursor++ % n]!, true)
    }, tickMs)
    return () => clearInterval(timer)
  }

  /** Closed loop: keep `window` announces outstanding, rotating over all peers. */
  saturate(window: number, withOffers: boolean): () => void {
    this.window = window
    this.withOffers = withOffers
    this.ready = this.peers.filter((p) => !p.inFlight).map((p) => p.idx)
    this.readyHead = 0
    this.answersInFlight = 0
    this.offersInFlight = 0
    for (let i = 0; i < window; i++) this.pump()
    return () => { this.window = 0 }
  }

  private pump(): void {
    if (this.readyHead >= this.ready.length) return
    // Work outstanding: announces in flight, plus relays in flight counted in announces (each
    // announce brings OFFERS_PER_ANNOUNCE offers and as many answers).
    if (this.outstanding + Math.max(0, this.offersInFlight + this.answersInFlight) / OFFERS_PER_ANNOUNCE >= this.window) return
    const idx = this.ready[this.readyHead++]!
    if (this.readyHead > 65536) { this.ready = this.ready.slice(this.readyHead); this.readyHead = 0 }
    this.announce(this.peers[idx]!, this.withOffers)
  }

  /**
   * Resolves once every announce is answered and the tracker has been silent for `quietMs`
   * (its backlog of relays drained), or after `maxMs`: phases must not bill each other's work.
   */
  async settle(quietMs = 500, maxMs = 20_000): Promise<void> {
    const end = performance.now() + maxMs
    while (performance.now() < end) {
      const quiet = performance.now() - this.lastFrameAt
      // Offers owed are waited for too, unless the tracker has been silent for seconds (an
      // offer to a peer that left is never delivered).
      if (this.outstanding <= 0 && this.answersInFlight <= 0 && (this.offersInFlight <= 0 || quiet > 3000) && quiet > quietMs) return
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  openCount(): number {
    let n = 0
    for (const p of this.peers) if (p.open) n++
    return n
  }

  snapshot(): Counters { return { ...this.c } }

  closeAll(): void {
    for (const p of this.peers) p.sock.destroy()
  }
}
