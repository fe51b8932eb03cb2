// One WebSocket per tracker URL, shared by every torrent that names it. Frames are decoded
// once here and routed by info hash; the socket reconnects with exponential backoff and jitter.
import { Kind, decodeTrackerMessage, encodeClientMessage } from '@shared/tracker-protocol'
import type { AnnounceMessage, ClientMessage, TrackerMessage } from '@shared/tracker-protocol'

export type AnnounceFields = Partial<Omit<AnnounceMessage, 'kind' | 'action' | 'info_hash' | 'peer_id'>>

export interface TrackerHandlers {
  offer(fromBin: string, offerIdBin: string, sdp: string, name: string): void
  answer(fromBin: string, offerIdBin: string, sdp: string, name: string): void
  announced(r: { interval: number; complete: number; incomplete: number }): void
  scraped(r: { complete: number; incomplete: number; downloaded: number }): void
  /** Connection state changed, or the tracker refused something for this torrent. */
  status(connected: boolean, error: string | null): void
}

const BACKOFF_MIN_MS = 1000
const BACKOFF_MAX_MS = 60_000

export class TrackerSocket {
  private ws: WebSocket | null = null
  private readonly subs = new Map<string, TrackerHandlers>()
  private attempt = 0
  private timer: ReturnType<typeof setTimeout> | null = null
  connected = false
  lastError: string | null = null

  constructor(readonly url: string) {}

  subscribe(infoHashBin: string, h: TrackerHandlers): () => void {
    this.subs.set(infoHashBin, h)
    if (!this.ws && !this.timer) this.open()
    else if (this.connected) queueMicrotask(() => h.status(true, null))
    else if (this.lastError) queueMicrotask(() => h.status(false, this.lastError))
    return () => {
      if (this.subs.get(infoHashBin) === h) this.subs.delete(infoHashBin)
      if (this.subs.size === 0) this.shutdown()
    }
  }

  send(msg: ClientMessage): void {
    if (this.ws && this.connected) this.ws.send(encodeClientMessage(msg))
  }

  private open(): void {
    this.timer = null
    let ws: WebSocket
    try {
      ws = new WebSocket(this.url)
    } catch (err) {
      return this.lost(`cannot open ${this.url}: ${err instanceof Error ? err.message : String(err)}`)
    }
    this.ws = ws
    ws.onopen = () => {
      this.attempt = 0
      this.connected = true
      this.lastError = null
      for (const h of this.subs.values()) h.status(true, null)
    }
    ws.onmessage = (ev) => this.onFrame(ev.data)
    ws.onclose = () => {
      if (this.ws === ws) this.lost(`tracker ${this.url} is unreachable; retrying`)
    }
    ws.onerror = () => undefined // onclose follows and carries the retry
  }

  private lost(error: string): void {
    this.ws = null
    this.connected = false
    this.lastError = error
    for (const h of this.subs.values()) h.status(false, error)
    if (this.subs.size === 0) return
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt++)
    // Jitter spreads reconnects so a restarted tracker is not hit by every tab at once.
    const delay = base * (0.5 + Math.random() * 0.5)
    this.timer = setTimeout(() => this.open(), delay)
  }

  private shutdown(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const ws = this.ws
    this.ws = null
    this.connected = false
    ws?.close()
  }

  private onFrame(data: unknown): void {
    let msg: TrackerMessage
    try {
      msg = decodeTrackerMessage(data)
    } catch (err) {
      console.warn(`[tabswarm] ignoring bad frame from ${this.url}:`, err instanceof Error ? err.message : err)
      return
    }
    switch (msg.kind) {
      case Kind.RelayedOffer:
        return this.subs.get(msg.info_hash)?.offer(msg.peer_id, msg.offer_id, msg.offer.sdp, msg.peer_name ?? '')
      case Kind.RelayedAnswer:
        return this.subs.get(msg.info_hash)?.answer(msg.peer_id, msg.offer_id, msg.answer.sdp, msg.peer_name ?? '')
      case Kind.AnnounceResponse:
        return this.subs.get(msg.info_hash)?.announced(msg)
      case Kind.ScrapeResponse:
        for (const [hash, entry] of Object.entries(msg.files)) this.subs.get(hash)?.scraped(entry)
        return
      case Kind.Failure: {
        const targets = msg.info_hash ? [this.subs.get(msg.info_hash)] : [...this.subs.values()]
        for (const h of targets) h?.status(this.connected, `tracker refused: ${msg.reason}`)
        return
      }
      case Kind.Warning:
        console.warn(`[tabswarm] tracker ${this.url}: ${msg.message}`)
        return
    }
  }
}

export class TrackerPool {
  private readonly sockets = new Map<string, TrackerSocket>()

  get(url: string): TrackerSocket {
    let s = this.sockets.get(url)
    if (!s) this.sockets.set(url, (s = new TrackerSocket(url)))
    return s
  }
}
