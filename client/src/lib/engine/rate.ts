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

interface Waiter { bytes: number; go: () => void }

/**
 * A token bucket in bytes. limit 0 means unlimited. take() says how long to wait (ms) before
 * the bytes may go; callers reschedule themselves rather than queueing data here.
 *
 * Callers that share a limit and keep it busy (a seeder's uploads to its peers) wait with
 * queue() instead, and take turns: first come, first served. With a timer each, whichever
 * caller's timer fired first took the refilled tokens, and a seeder capped at 1 MiB/s sent one
 * of four peers 2.5 MiB and another 0.3 MiB in the same 4 s (the fair-share test in
 * uploader.test.ts); the peers it starved got no fresh pieces to trade with their neighbours.
 */
export class TokenBucket {
  private tokens = 0
  private last = Date.now()
  private readonly waiters: Waiter[] = []
  private timer: ReturnType<typeof setTimeout> | null = null
  /** True while a waiter whose turn it is runs: its take() goes ahead of the queue. */
  private granting = false

  constructor(private limit = 0) {
    this.tokens = limit
  }

  setLimit(bytesPerSecond: number): void {
    this.limit = Math.max(0, bytesPerSecond)
    this.tokens = Math.min(this.tokens, this.limit)
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.serve()
  }

  get unlimited(): boolean {
    return this.limit === 0
  }

  /**
   * Returns 0 and consumes when allowed now; otherwise the delay in ms until it would be.
   * Not allowed while others wait in queue() (unless it is their turn): no jumping the line.
   */
  take(bytes: number, now = Date.now()): number {
    if (this.limit === 0) return 0
    this.refill(now)
    if ((this.waiters.length === 0 || this.granting) && this.allows(bytes)) {
      this.tokens -= bytes
      return 0
    }
    return Math.max(1, this.waitMs(bytes))
  }

  /**
   * Calls `go` once `bytes` may go and everyone queued before has had a turn; `go` is expected
   * to take() them at once. Returns a function that leaves the queue.
   */
  queue(bytes: number, go: () => void): () => void {
    const waiter = { bytes, go }
    this.waiters.push(waiter)
    this.arm()
    return () => {
      const i = this.waiters.indexOf(waiter)
      if (i >= 0) this.waiters.splice(i, 1)
    }
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.limit, this.tokens + ((now - this.last) / 1000) * this.limit)
    this.last = now
  }

  /** Milliseconds until the bucket holds `bytes` (after refill). */
  private waitMs(bytes: number): number {
    return Math.ceil(((bytes - this.tokens) / this.limit) * 1000)
  }

  /** Allows a burst of one request even when a block is larger than a tenth of the limit. */
  private allows(bytes: number): boolean {
    return this.tokens >= bytes || this.tokens >= this.limit
  }

  private arm(): void {
    if (this.timer || this.waiters.length === 0) return
    const head = this.waiters[0]!
    this.refill(Date.now())
    const ms = this.limit === 0 || this.allows(head.bytes) ? 0 : this.waitMs(head.bytes)
    this.timer = setTimeout(() => {
      this.timer = null
      this.serve()
    }, ms)
  }

  /** Gives turns in order while the tokens last (every waiter at once when unlimited). */
  private serve(): void {
    this.refill(Date.now())
    while (this.waiters.length > 0 && (this.limit === 0 || this.allows(this.waiters[0]!.bytes))) {
      const { go } = this.waiters.shift()!
      this.granting = true
      try {
        go()
      } finally {
        this.granting = false
      }
      // A waiter that no longer needed its turn took nothing; the next one goes.
    }
    this.arm()
  }
}
