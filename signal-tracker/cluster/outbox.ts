// Relays leave a node in batches: every message for one node produced in an event-loop turn
// (the offers of all announce replies Redis just answered, the answers read from every socket)
// goes out as ONE publish, sent when the turn's I/O is done (the link's atTurnEnd, in the same
// write as the turn's announce batch; the same moment the gateway uncorks its sockets). A
// message per PUBLISH cost each relay a client command, a Redis command and a subscriber
// event on the other side; under a saturated closed loop that per-relay overhead, and the
// commands queued behind it, grew faster than the work and two nodes stalled
// (BENCHMARKS.md, "Tracker cluster on Redis"). Batching adds no timer, so no latency when idle.
// A batch is closed at MAX_BATCH characters, though: a turn that answers thousands of announces
// at once (a burst) once made one publish of several MB, which Redis took 146 ms to copy to the
// subscriber (commandstats), stalling every node's announces meanwhile, and which the other node
// then had to read and split whole before delivering its first offer. 64 KB already amortises
// the per-publish cost (~60 relays) and keeps each publish a fraction of a millisecond.

import type { RedisLink } from './redis'
import { encodeBatch, nodeChannel } from './wire'

interface Box { parts: string[]; chars: number; offers: number; gone: (() => void)[] }

export const MAX_BATCH = 64 * 1024

export class Outbox {
  private boxes = new Map<string, Box>()
  private scheduled = false
  /** Offers that reached a subscribed node, and publishes that failed. */
  onDelivered: (offers: number) => void = () => {}
  onError: () => void = () => {}

  constructor(private readonly link: RedisLink) {}

  /**
   * Queues an encoded message for `node`. `gone` runs if nobody listens on that node's channel
   * (PUBLISH returned 0: the node is dead); `offer` marks it as an offer for the relay count.
   */
  send(node: string, message: string, gone?: () => void, offer = false): void {
    // What the message adds to the batch as encoded: its length, a newline, itself.
    const size = String(message.length).length + 1 + message.length
    let box = this.boxes.get(node)
    if (box && box.chars + size > MAX_BATCH) {
      this.publish(node, box)
      box = undefined
    }
    if (!box) this.boxes.set(node, box = { parts: [], chars: 2, offers: 0, gone: [] })
    box.parts.push(message)
    box.chars += size
    if (gone) box.gone.push(gone)
    if (offer) box.offers++
    if (!this.scheduled) {
      this.scheduled = true
      this.link.atTurnEnd(this.flush)
    }
  }

  readonly flush = (): void => {
    this.scheduled = false
    const boxes = this.boxes
    this.boxes = new Map()
    for (const [node, box] of boxes) this.publish(node, box)
  }

  private publish(node: string, box: Box): void {
    const payload = box.parts.length === 1 ? box.parts[0]! : encodeBatch(box.parts)
    this.link.publish(nodeChannel(node), payload).then((n) => {
      if (n > 0) this.onDelivered(box.offers)
      else for (const fn of box.gone) fn()
    }, () => this.onError())
  }
}
