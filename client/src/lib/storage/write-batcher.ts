// Groups piece writes into few IndexedDB transactions. Measured (DESIGN.md): one transaction per
// piece writes 50 MB/s, 16 pieces per transaction 125–160 MB/s — the per-transaction commit
// (an fsync in Chrome's LevelDB backend) dominates, not the bytes. The storage itself is behind
// `commit`, so this queueing logic is plain code that unit tests drive with a fake.

export const MAX_BATCH = 16

export interface PieceWrite {
  infoHash: string
  index: number
  /** Owns its whole buffer, so structured cloning copies only the piece. */
  data: Uint8Array
  /** The torrent's bitfield to save along with the piece, or null to leave it. */
  bitfield: Uint8Array | null
}

/**
 * Stores `writes` and the given bitfields in one transaction. Resolves with one entry per write:
 * null when stored, an Error when that write alone was refused (unknown torrent). Rejects when
 * the whole transaction failed; nothing of it was stored then.
 */
export type CommitFn = (writes: readonly PieceWrite[], bitfields: ReadonlyMap<string, Uint8Array>) => Promise<(Error | null)[]>

interface Pending {
  write: PieceWrite
  resolve: () => void
  reject: (err: unknown) => void
}

export class WriteBatcher {
  private queue: Pending[] = []
  private inFlight: Pending[] = []
  private timer: ReturnType<typeof setTimeout> | null = null
  /** True from start() until the loop sees an empty queue, in the same synchronous step. */
  private looping = false
  private running: Promise<void> = Promise.resolve()
  /**
   * Pieces whose last write failed, per torrent. A caller sets a bit as soon as it hands a
   * piece over, so a bitfield queued behind a failed batch may claim pieces that are not
   * stored; those bits are cleared before saving it.
   */
  private readonly failed = new Map<string, Set<number>>()

  constructor(
    private readonly commit: CommitFn,
    private readonly maxBatch = MAX_BATCH,
  ) {}

  /** Resolves once the piece (and bitfield, if given) is committed. */
  write(write: PieceWrite): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ write, resolve, reject })
      this.schedule()
    })
  }

  /** Bytes handed to `write` and not yet committed, so a reader never misses a fresh piece. */
  pending(infoHash: string, index: number): Uint8Array | null {
    for (const list of [this.queue, this.inFlight]) {
      for (let i = list.length - 1; i >= 0; i--) {
        const w = list[i]!.write
        if (w.index === index && w.infoHash === infoHash) return w.data
      }
    }
    return null
  }

  /** Waits until every write handed over so far has settled. */
  async drain(): Promise<void> {
    while (this.looping || this.queue.length > 0) {
      if (!this.looping) this.start()
      await this.running
    }
  }

  forget(infoHash: string): void {
    this.failed.delete(infoHash)
  }

  private schedule(): void {
    if (this.looping) return // the running loop takes the new write with its next batch
    if (this.queue.length >= this.maxBatch) {
      this.start()
    } else if (!this.timer) {
      // A zero timer, not a microtask: pieces finish hashing in separate tasks (worker
      // replies), and waiting one task lets those arriving together share a transaction.
      this.timer = setTimeout(() => this.start(), 0)
    }
  }

  private start(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.looping) return
    this.looping = true
    this.running = this.loop()
  }

  // One transaction at a time: IndexedDB runs overlapping read-write transactions one after the
  // other anyway, and waiting lets the next batch fill up to `maxBatch` meanwhile.
  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch)
        this.inFlight = batch
        await this.commitBatch(batch)
      }
    } finally {
      // Runs right after the empty-queue check, with no await between: a write arriving after
      // this point sees `looping` false and schedules a new loop, so none is stranded.
      this.looping = false
      this.inFlight = []
    }
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    const writes = batch.map((p) => p.write)
    let results: (Error | null)[]
    try {
      results = await this.commit(writes, this.bitfieldsFor(writes))
    } catch (err) {
      this.inFlight = []
      for (const p of batch) {
        this.markFailed(p.write)
        p.reject(err)
      }
      return
    }
    // Committed: readers find the bytes in IndexedDB now, and callers may continue.
    this.inFlight = []
    batch.forEach((p, i) => {
      const err = results[i] ?? null
      if (err) {
        this.markFailed(p.write)
        p.reject(err)
      } else {
        this.failed.get(p.write.infoHash)?.delete(p.write.index)
        p.resolve()
      }
    })
  }

  /** The latest bitfield given per torrent in this batch, minus pieces known not stored. */
  private bitfieldsFor(writes: readonly PieceWrite[]): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>()
    for (const w of writes) if (w.bitfield) out.set(w.infoHash, w.bitfield)
    for (const [infoHash, bits] of out) {
      const failed = this.failed.get(infoHash)
      if (!failed || failed.size === 0) continue
      const inBatch = new Set(writes.filter((w) => w.infoHash === infoHash).map((w) => w.index))
      const clean = bits.slice()
      for (const index of failed) {
        if (inBatch.has(index) || index >> 3 >= clean.length) continue
        clean[index >> 3]! &= ~(0x80 >> (index & 7))
      }
      out.set(infoHash, clean)
    }
    return out
  }

  private markFailed(w: PieceWrite): void {
    let set = this.failed.get(w.infoHash)
    if (!set) this.failed.set(w.infoHash, (set = new Set()))
    set.add(w.index)
  }
}
