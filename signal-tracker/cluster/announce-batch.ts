// Announces leave a node for Redis in batches: every announce handled in one event-loop turn
// (up to MAX_BATCH) goes in ONE tsAnnounceMany call, sent when the turn's I/O is done (the
// link's atTurnEnd: in one write with the turn's relay batches, turn-end.ts). Under load a
// turn handles dozens of announces; as separate calls each cost a command object, a promise, a callback
// and Redis's per-call dispatch. A batch is capped because Redis runs a script atomically:
// 64 announces hold it for about 2 ms. Each queued announce counts in flight from the moment
// it is queued, so the gateway's intake (backpressure.ts) sees it at once.

import type { Arg, RedisLink } from './redis'

export const MAX_BATCH = 64

export interface QueuedAnnounce {
  keys: string[]
  args: Arg[]
  /** Its reply (unknown: the caller decodes it). */
  done(reply: unknown): void
  /** The batch failed (Redis away, timeout) or its reply was malformed. */
  fail(): void
}

export class AnnounceBatcher {
  private queue: QueuedAnnounce[] = []
  private scheduled = false

  constructor(private readonly link: RedisLink) {}

  add(a: QueuedAnnounce): void {
    this.link.inFlight.begin()
    this.queue.push(a)
    if (this.queue.length >= MAX_BATCH) this.flush()
    else if (!this.scheduled) {
      this.scheduled = true
      this.link.atTurnEnd(this.flushLater)
    }
  }

  private readonly flushLater = (): void => {
    this.scheduled = false
    this.flush()
  }

  private flush(): void {
    const items = this.queue
    if (items.length === 0) return
    this.queue = []
    const keys: string[] = []
    const args: Arg[] = []
    for (const a of items) {
      for (const k of a.keys) keys.push(k)
      for (const v of a.args) args.push(v)
    }
    const settle = (reply: unknown): void => {
      const ok = Array.isArray(reply) && reply.length === items.length
      try {
        for (let i = 0; i < items.length; i++) {
          if (ok) items[i]!.done((reply as unknown[])[i])
          else items[i]!.fail()
        }
      } finally {
        // After the replies went out: the frames this frees then queue behind them.
        this.link.inFlight.end(items.length)
      }
    }
    // One announce goes as tsAnnounce: same reply, and no array of one to build.
    const call = items.length === 1
      ? this.link.run('tsAnnounce', keys, args, 0).then((r) => [r])
      : this.link.run('tsAnnounceMany', keys, args, 0)
    call.then(settle, () => settle(null))
  }
}
