// Exactly one tab of a browser profile runs each torrent: it holds the Web Lock named after the
// info hash. The others queue for that lock while they show the torrent read-only, so when the
// running tab closes (or reloads) the browser hands the lock, and the torrent, to one of them.
// Without this, two tabs of a profile would both download every torrent into one IndexedDB.

const PREFIX = 'tabswarm-torrent:'

export class TorrentLocks {
  /** Resolving one of these lets the browser give the lock to the next tab in line. */
  private readonly held = new Map<string, () => void>()
  private readonly queued = new Map<string, AbortController>()

  /** `granted` runs when a queued claim gets the lock; it must run the torrent or release it. */
  constructor(private readonly granted: (infoHash: string) => Promise<void>) {}

  static get supported(): boolean {
    return typeof navigator !== 'undefined' && 'locks' in navigator && !!navigator.locks
  }

  holds(infoHash: string): boolean {
    return !TorrentLocks.supported || this.held.has(infoHash)
  }

  /**
   * True when this tab now holds the lock (the caller runs the torrent). Otherwise the claim
   * waits in line and `granted` runs once it is this tab's turn. Without Web Locks (an insecure
   * context) every tab runs its torrents, as before.
   */
  async claim(infoHash: string): Promise<boolean> {
    if (this.holds(infoHash)) return true
    const now = await new Promise<boolean>((answer) => {
      navigator.locks
        .request(PREFIX + infoHash, { ifAvailable: true }, (lock) => {
          if (!lock) return answer(false)
          answer(true)
          return this.hold(infoHash)
        })
        .catch(() => answer(false))
    })
    if (!now) this.queue(infoHash)
    return now
  }

  /** Gives the lock back (the torrent was removed) and leaves the queue. */
  release(infoHash: string): void {
    this.queued.get(infoHash)?.abort()
    this.queued.delete(infoHash)
    const letGo = this.held.get(infoHash)
    this.held.delete(infoHash)
    letGo?.()
  }

  private hold(infoHash: string): Promise<void> {
    return new Promise<void>((resolve) => this.held.set(infoHash, resolve))
  }

  private queue(infoHash: string): void {
    if (this.queued.has(infoHash) || this.held.has(infoHash)) return
    const abort = new AbortController()
    this.queued.set(infoHash, abort)
    navigator.locks
      .request(PREFIX + infoHash, { signal: abort.signal }, (lock) => {
        this.queued.delete(infoHash)
        if (!lock) return
        const holding = this.hold(infoHash)
        this.granted(infoHash).catch((err: unknown) => {
          console.warn(`[tabswarm] could not take over torrent ${infoHash}:`, err)
          this.release(infoHash)
        })
        return holding
      })
      .catch(() => this.queued.delete(infoHash)) // withdrawn (AbortError)
  }
}
