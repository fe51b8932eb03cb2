// Work for the end of an event-loop turn, run while the Redis command connection's socket is
// corked. A node handles a turn's frames, then sends that turn's announces to Redis (one script
// call, announce-batch.ts) and its relays to the other nodes (one PUBLISH per node, outbox.ts);
// each of those was its own socket write, and on a loopback or LAN connection a write system
// call costs more than the bytes it carries (the receiver is woken once per write). Queued
// here, they leave in one writev when the socket is uncorked. Runs at setImmediate, like the
// gateway's uncorking of the peers' sockets: no timer, so no added latency.

/** The socket's side of it (a net.Socket); absent while there is no connection. */
export interface Corkable {
  cork(): void
  uncork(): void
}

export class TurnEnd {
  private queued: (() => void)[] = []

  constructor(private readonly socket: () => Corkable | undefined) {}

  /** Runs `fn` at the end of this turn, with everything else queued for it, in order. */
  add(fn: () => void): void {
    if (this.queued.push(fn) === 1) setImmediate(this.run)
  }

  private readonly run = (): void => {
    const list = this.queued
    this.queued = []
    const socket = this.socket()
    socket?.cork()
    try {
      for (const fn of list) fn()
    } finally {
      socket?.uncork()
    }
  }
}
