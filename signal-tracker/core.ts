// The seam between the WebSocket gateway and whatever holds the swarms. The in-memory
// TrackerState (swarm.ts) is the default; ClusterState (cluster/state.ts) keeps the same local
// peer records but shares swarms with other nodes through Redis. The gateway only needs these
// calls; admin views go through AdminViews (admin-views.ts).

import type { AnnounceMessage, AnswerMessage } from '../shared/tracker-protocol'
import type { InFlight } from './backpressure'
import type { Peer, Sink } from './swarm'

export interface TrackerCore {
  /** Peer ids bound to sockets of this process. */
  readonly peers: Map<string, Peer>
  bind(id: string, sink: Sink, now: number): Peer
  /** May throw a Refusal; a backend that answers later delivers to `peer.sink` itself. */
  announce(peer: Peer, msg: AnnounceMessage, now: number): void
  answer(peer: Peer, msg: AnswerMessage, now: number): void
  /** Delivers the scrape response (now or later) to `sink`. */
  scrapeTo(sink: Sink, hashes: readonly string[]): void
  remove(peer: Peer): void
  /** Backend calls in flight (cluster nodes): the gateway stops reading while it is full. */
  readonly backlog?: InFlight
}
