// When a torrent's next announce round goes out on one tracker.

/** Re-announce at least this often while we want more peers, whatever the tracker's interval. */
const EAGER_INTERVAL_MS = 30_000
/**
 * While the tracker counts peers we are not connected to, the next round comes sooner: after
 * 2 s, then 2, 4, 8, 16, then EAGER_INTERVAL_MS, and from 2 s again when more peers join.
 * Leechers that start together miss some of each other in the first round (an offer that
 * crossed another, one that failed to connect on a busy machine): in the capped four-leecher
 * swarm test, leechers held 1-3 of their 4 peers for the whole 20 s download, and one connected
 * only to a neighbour sent it 0.1 MiB in all.
 * Only while we hold fewer than CATCH_UP_PEERS peers (a large swarm's torrent is in no such
 * hurry) and with jitter, and the catch-up rounds do not scrape (SCRAPE_MS, swarm.ts): a tab
 * that starts a hundred torrents must stay under the tracker's per-connection frame limit
 * (50/s, burst 200).
 */
const CATCH_UP_FIRST_MS = 2000
const CATCH_UP_PEERS = 4

export interface PaceInput {
  /** The tracker's interval, seconds (null before its first answer). */
  interval: number | null
  wantPeers: number
  connected: number
  /** Peers the tracker counts that we want and are not connected to. */
  unreached: number
  /** A seeder in a swarm without leechers has nobody to offer to; they will come to it. */
  idleSeeder: boolean
}

export class AnnouncePace {
  /** The next catch-up delay (doubling); null: start over at CATCH_UP_FIRST_MS. */
  private catchUp: number | null = null

  /** A round went out: the next catch-up waits twice as long. */
  roundSent(): void {
    this.catchUp = Math.min(EAGER_INTERVAL_MS, 2 * (this.catchUp ?? CATCH_UP_FIRST_MS / 2))
  }

  /** More peers joined the swarm: catching up starts over. */
  peersJoined(): void {
    this.catchUp = null
  }

  /** Milliseconds until the next round. */
  nextRoundMs(p: PaceInput): number {
    const interval = (p.interval ?? 120) * 1000
    let ms = p.wantPeers > 0 && !p.idleSeeder ? Math.min(interval, EAGER_INTERVAL_MS) : interval
    if (p.unreached > 0 && p.connected < CATCH_UP_PEERS) {
      ms = Math.min(ms, (this.catchUp ?? CATCH_UP_FIRST_MS) * (0.8 + 0.4 * Math.random()))
    }
    return ms
  }
}
