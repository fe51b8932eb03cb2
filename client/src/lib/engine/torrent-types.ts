// Types shared by the engine's pieces, kept apart to avoid import cycles.
import type { HashPool } from '../hashing/pool'
import type { PieceStore } from '../storage/piece-store'
import type { TokenBucket } from './rate'
import type { Torrent } from './torrent'

export type TorrentState = 'hashing' | 'metadata' | 'downloading' | 'seeding' | 'paused' | 'error'

export interface TorrentDeps {
  store: PieceStore
  pool: HashPool
  peerId: Uint8Array
  limits: { up: TokenBucket; down: TokenBucket }
  /**
   * Something the UI shows changed. `urgent`: a user waits on it (the metadata arrived, which
   * enables Play and Save), so show it now rather than on the next coalesced refresh.
   */
  onChange(urgent?: boolean): void
  /** Metadata arrived for a magnet: write it to IndexedDB. */
  persistInfo(t: Torrent): Promise<void>
  /** The last piece is verified and stored. */
  completed(t: Torrent): void
}
