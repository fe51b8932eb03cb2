// The worker's side of the stream channel: asks the tab that runs a torrent for pieces and wakes
// the responses waiting for them. The worker never needs to know which tab that is.
import { openStreamChannel, type StreamMessage } from '../lib/stream/messages'

type Need = Extract<StreamMessage, { kind: 'need' }>

interface Waiter {
  infoHash: string
  piece: number
  wake(): void
}

export class StreamFailed extends Error {
  override name = 'StreamFailed'
}

/** Pieces the runner just sent along with `stored`, kept for the responses about to read them. */
const RECENT_PIECES = 32
const RECENT_BYTES = 16 * 1024 * 1024

export class Runners {
  private readonly channel = openStreamChannel((m) => this.onMessage(m))
  private readonly waiters = new Set<Waiter>()
  private readonly failures = new Map<string, (message: string) => void>()
  private readonly bitrates = new Map<string, number>()
  /** `${infoHash}/${piece}` → bytes, oldest first: a tiny cache in front of IndexedDB. */
  private readonly recentPieces = new Map<string, Uint8Array>()
  private recentBytes = 0

  /** A piece the runner sent with its `stored` a moment ago, or null: read IndexedDB then. */
  recent(infoHash: string, piece: number): Uint8Array | null {
    return this.recentPieces.get(`${infoHash}/${piece}`) ?? null
  }

  need(m: Omit<Need, 'kind'>): void {
    this.channel.post({ kind: 'need', ...m })
  }

  release(id: string): void {
    this.channel.post({ kind: 'release', id })
  }

  /** Bytes per second of a file, as its player reported; null until one did. */
  bitrate(infoHash: string, fileIndex: number): number | null {
    return this.bitrates.get(`${infoHash}/${fileIndex}`) ?? null
  }

  /**
   * Resolves when the runner says `piece` is stored or after `ms` (the caller looks again and
   * renews its request); rejects when request `id` failed or `signal` aborts.
   */
  wait(infoHash: string, piece: number, id: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        clearTimeout(timer)
        this.waiters.delete(waiter)
        this.failures.delete(id)
        signal.removeEventListener('abort', onAbort)
        if (err) reject(err)
        else resolve()
      }
      const onAbort = (): void => done(new DOMException('The stream was cancelled', 'AbortError'))
      const waiter: Waiter = { infoHash, piece, wake: () => done() }
      const timer = setTimeout(() => done(), ms)
      if (signal.aborted) return onAbort()
      // The answer may have come before this wait (a need posted early, or another response's).
      if (this.recent(infoHash, piece)) return done()
      signal.addEventListener('abort', onAbort)
      this.waiters.add(waiter)
      this.failures.set(id, (message) => done(new StreamFailed(message)))
    })
  }

  private onMessage(m: StreamMessage): void {
    switch (m.kind) {
      case 'stored':
        if (m.bytes) this.remember(`${m.infoHash}/${m.piece}`, m.bytes)
        for (const w of [...this.waiters]) if (w.infoHash === m.infoHash && w.piece === m.piece) w.wake()
        return
      case 'failed':
        this.failures.get(m.id)?.(m.message)
        return
      case 'bitrate':
        this.bitrates.set(`${m.infoHash}/${m.fileIndex}`, m.bytesPerSecond)
        return
      case 'need':
      case 'release':
        return // another worker's (an old one still finishing its streams)
      case 'seek':
        return // for the runner tab; the worker hears the player's request itself
    }
  }

  private remember(key: string, bytes: Uint8Array): void {
    const old = this.recentPieces.get(key)
    if (old) this.recentBytes -= old.byteLength
    this.recentPieces.delete(key)
    this.recentPieces.set(key, bytes)
    this.recentBytes += bytes.byteLength
    for (const [k, v] of this.recentPieces) {
      if (this.recentPieces.size <= RECENT_PIECES && this.recentBytes <= RECENT_BYTES) break
      this.recentPieces.delete(k)
      this.recentBytes -= v.byteLength
    }
  }
}
