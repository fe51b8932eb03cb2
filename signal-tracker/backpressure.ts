// Keeping a cluster node's heap small under a flood. A node answers an announce only when Redis
// replies, so if every frame read were parsed and sent on at once, thousands of parsed announces
// (five SDPs each) and encoded commands would wait in the heap for their replies; they outlive
// the young generation, get copied and promoted, and the garbage collector takes a large share
// of the node's CPU. Instead, past `high` calls in flight, frames wait unparsed (their bytes are
// Buffers outside the JS heap, which a scavenge does not copy) and are handled in arrival order
// once the count is down to `low`. The in-memory tracker answers in the turn that reads a frame,
// has nothing in flight and never queues.

/** Backend calls (Redis round trips) sent and not yet answered. */
export class InFlight {
  private n = 0
  private congested = false
  private readonly reliefs: (() => void)[] = []

  /**
   * 64 in flight is one full announce batch (announce-batch.ts), already enough to keep Redis
   * busy; 256 kept four times as many parsed announces alive across a round trip. Interleaved
   * bench runs (BENCHMARKS.md, "Tracker cluster on Redis"): saturated announces per CPU-second
   * +38% for one node and +21% for two with 64 (two interleaved pairs).
   */
  constructor(readonly high = 64, readonly low = 16) {}

  get count(): number { return this.n }
  /** True from reaching `high` until back down to `low`. */
  get full(): boolean { return this.congested }

  /** Counts `p` as `weight` calls while it is pending; resolves and rejects as `p` does. */
  track<T>(p: Promise<T>, weight = 1): Promise<T> {
    if (weight === 0) return p
    this.begin(weight)
    const done = (): void => this.end(weight)
    p.then(done, done)
    return p
  }

  /** `n` more calls in flight (or about to be: queued for the next batch). */
  begin(n = 1): void {
    if ((this.n += n) >= this.high) this.congested = true
  }

  /** `n` calls answered (or failed). */
  end(n = 1): void {
    if ((this.n -= n) > this.low || !this.congested) return
    this.congested = false
    for (const fn of this.reliefs.splice(0)) fn()
  }

  /** Runs `fn` once, when the count is next down to `low` (at once if not congested). */
  onRelief(fn: () => void): void {
    if (!this.congested) fn()
    else this.reliefs.push(fn)
  }
}

/**
 * Items (frames) handled at once while the backlog has room, otherwise queued and handled in
 * order as it drains. `offer` returns false once the queue is past `maxQueued` (the gateway then
 * stops reading that socket), and `drained` is called when the queue is empty again.
 */
export class Intake<T> {
  private queue: T[] = []
  private head = 0
  private waiting = false

  constructor(
    private readonly flight: InFlight,
    private readonly handle: (item: T) => void,
    readonly maxQueued = 50_000,
  ) {}

  get queued(): number { return this.queue.length - this.head }

  /** Handles or queues `item`; false when the queue is past `maxQueued`. */
  offer(item: T): boolean {
    // Behind earlier items even with room: a socket's frames keep their order.
    if (this.queued === 0 && !this.flight.full) {
      this.handle(item)
      return true
    }
    this.queue.push(item)
    if (!this.waiting) {
      this.waiting = true
      this.flight.onRelief(this.drain)
    }
    return this.queued <= this.maxQueued
  }

  /** Called when the queue has emptied (paused sockets may read again). */
  drained: () => void = () => {}

  private readonly drain = (): void => {
    this.waiting = false
    while (this.head < this.queue.length && !this.flight.full) {
      const item = this.queue[this.head]!
      this.queue[this.head++] = undefined as T
      this.handle(item)
    }
    if (this.head < this.queue.length) {
      // Handled items leave the front now and then, so a queue that never empties stays small.
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head)
        this.head = 0
      }
      this.waiting = true
      this.flight.onRelief(this.drain)
      return
    }
    this.queue = []
    this.head = 0
    this.drained()
  }
}
