// Test helpers: a tracker on port 0 and a minimal protocol-speaking client over a real `ws`
// connection that queues what the tracker sends so tests can wait for specific frames.

import { WebSocket } from 'ws'
import type { ClientOptions } from 'ws'
import { createTracker } from '../server'
import type { Tracker, TrackerOptions } from '../server'

export interface Running {
  tracker: Tracker
  url: string
  wsUrl: string
  close(): Promise<void>
}

export async function startTracker(opts: TrackerOptions = {}): Promise<Running> {
  const tracker = createTracker({ port: 0, staticDir: null, ...opts })
  await tracker.ready
  const { url } = tracker.address()
  return { tracker, url, wsUrl: url.replace(/^http/, 'ws') + '/announce', close: () => tracker.close() }
}

/** A 20-char binary id from a label; bytes above 127 exercise the latin1 handling. */
export function id(label: string): string {
  const s = (label + '\u00e9\u00ff\u0001' + '-'.repeat(20)).slice(0, 20)
  return s
}

export const hex = (binary: string): string => Buffer.from(binary, 'latin1').toString('hex')

export type Frame = Record<string, unknown>

export class TestClient {
  readonly received: Frame[] = []
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = []
  closed = false

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const f = isBinary ? { binary: true } : (JSON.parse(String(data)) as Frame)
      const i = this.waiters.findIndex((w) => w.pred(f))
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(f)
      else this.received.push(f)
    })
    ws.on('close', () => { this.closed = true })
    ws.on('error', () => {})
  }

  static async connect(url: string, opts?: ClientOptions): Promise<TestClient> {
    const ws = new WebSocket(url, opts)
    const c = new TestClient(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return c
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Resolves with the first (queued or future) frame matching `pred`, consuming it. */
  next(pred: (f: Frame) => boolean = () => true, timeoutMs = 3000): Promise<Frame> {
    const i = this.received.findIndex(pred)
    if (i >= 0) return Promise.resolve(this.received.splice(i, 1)[0]!)
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (f: Frame) => { clearTimeout(t); resolve(f) },
      }
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        reject(new Error(`no matching frame within ${timeoutMs} ms; queued: ${JSON.stringify(this.received).slice(0, 500)}`))
      }, timeoutMs)
      this.waiters.push(w)
    })
  }

  /** Round trip through the tracker: every frame sent before this one has been handled. */
  async flush(): Promise<void> {
    await new Promise<void>((resolve) => { this.ws.once('pong', () => resolve()); this.ws.ping() })
  }

  /** Frames queued so far that match `pred` (not consumed). */
  queued(pred: (f: Frame) => boolean): Frame[] {
    return this.received.filter(pred)
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve()
    return new Promise((resolve) => { this.ws.once('close', () => resolve()); this.ws.close() })
  }
}

export const isOffer = (f: Frame): boolean => f.offer !== undefined
export const isAnswer = (f: Frame): boolean => f.answer !== undefined
export const isFailure = (f: Frame): boolean => f['failure reason'] !== undefined
export const isAnnounceResponse = (f: Frame): boolean => f.action === 'announce' && f.interval !== undefined

export const SDP_OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fake-offer\r\n'
export const SDP_ANSWER = 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=fake-answer\r\n'

export function announce(infoHash: string, peerId: string, extra: Frame = {}): Frame {
  return { action: 'announce', info_hash: infoHash, peer_id: peerId, numwant: 0, uploaded: 0, downloaded: 0, left: 100, ...extra }
}

export function offers(n: number, prefix = 'o'): { offer_id: string; offer: { type: 'offer'; sdp: string } }[] {
  return Array.from({ length: n }, (_, i) => ({ offer_id: id(`${prefix}${i}`), offer: { type: 'offer' as const, sdp: SDP_OFFER } }))
}

export async function getJson(url: string, token?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  const text = await res.text()
  let body: unknown = text
  try { body = JSON.parse(text) } catch { /* not JSON */ }
  return { status: res.status, body }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Polls `check` until it returns true or the time is up. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return
    await sleep(20)
  }
  throw new Error(`timed out waiting for ${what}`)
}
