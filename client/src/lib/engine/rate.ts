// Rate meters and the token bucket that enforces the user's speed limits.

/** Bytes per second over a sliding window, in one-second buckets (cheap on the hot path). */
export class RateMeter {
  private readonly buckets: number[]
  private lastSecond = 0
  total = 0

  constructor(private readonly windowSeconds = 5) {
    this.buckets = new Array<number>(windowSeconds).fill(0)
  }

  add(bytes: number, now = Date.now()): void {
    this.roll(now)
    this.buckets[this.lastSecond % this.windowSeconds]! += bytes
    this.total += bytes
  }

  /** Average over the window, excluding the current partial second when it has data. */
  rate(now = Date.now()): number {
    this.roll(now)
    let sum = 0
    for (const b of this.buckets) sum += b
    return sum / this.windowSeconds
  }

  private roll(now: number): void {
    const second = Math.floor(now / 1000)
    if (second === this.lastSecond) return
    const gap = Math.min(second - this.lastSecond, this.windowSeconds)
    for (let i = 1; i <= gap; i++) this.buckets[(this.lastSecond + i) % this.windowSeconds] = 0
    this.lastSecond = second
  }
}

/**
 * A token bucket in bytes. limit 0 means unlimited. take() says how long to wait (ms) before
 * the bytes may go; callers reschedule themselves rather than queueing data here.
 */
export class TokenBucket {
  private tokens = 0
  private last = Date.now()

  constructor(private limit = 0) {
    this.tokens = limit
  }

  setLimit(bytesPerSecond: number): void {
    this.limit = Math.max(0, bytesPerSecond)
    this.tokens = Math.min(this.tokens, this.limit)
  }

  get unlimited(): boolean {
    return this.limit === 0
  }

  /** Returns 0 and consumes when allowed now; otherwise the delay in ms until it would be. */
  take(bytes: number, now = Date.now()): number {
    if (this.limit === 0) return 0
    this.tokens = Math.min(this.limit, this.tokens + ((now - this.last) / 1000) * this.limit)
    this.last = now
    // Allow a burst of one request even when a block is larger than a tenth of the limit.
    if (this.tokens >= bytes || this.tokens >= this.limit) {
      this.tokens -= bytes
      return 0
    }
    return Math.ceil(((bytes - this.tokens) / this.limit) * 1000)
  }
}
