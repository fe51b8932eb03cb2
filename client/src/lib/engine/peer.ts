// What we know about one connected peer of one torrent. Pure state: the torrent decides.
import type { Bitfield } from '@shared/pieces'
import type { ExtHandshake } from '@shared/wire'
import { RateMeter } from './rate'
import type { WireSession } from './wire-session'

export interface BlockRequest {
  index: number
  begin: number
  length: number
}

export interface Outstanding extends BlockRequest {
  sentAt: number
}

/** Requests we accept from one peer before refusing more (advertised as BEP 10 `reqq`). */
export const MAX_PEER_REQUESTS = 1024

const PIPELINE_SECONDS = 0.5
const MIN_PIPELINE = 8
const MAX_PIPELINE = 256

export class Peer {
  amChoking = true
  amInterested = false
  peerChoking = true
  peerInterested = false
  handshaken = false
  bits: Bitfield | null = null
  /** A bitfield that arrived before we had the metadata to size it. */
  earlyBits: Uint8Array | null = null
  earlyHaves: number[] = []
  ext: ExtHandshake | null = null
  readonly outstanding = new Map<number, Map<number, Outstanding>>()
  outstandingCount = 0
  readonly uploadQueue: BlockRequest[] = []
  readonly down = new RateMeter()
  readonly up = new RateMeter()

  constructor(
    readonly id: string,
    public name: string,
    readonly session: WireSession,
    /** Which side offered this connection (null: unknown); see glare.ts. */
    readonly weOffered: boolean | null = null,
  ) {}

  get uploaded(): number {
    return this.up.total
  }

  get downloaded(): number {
    return this.down.total
  }

  remoteId(extension: string): number | undefined {
    const id = this.ext?.m[extension]
    return typeof id === 'number' && id > 0 ? id : undefined
  }

  /**
   * How many block requests to keep in flight: half a second of this peer's measured rate.
   * Not rate x round trip: a throttled peer's queue inflates the round trip, which would
   * inflate the depth, which would pile every leecher's requests onto the same slow seeder
   * and make them fetch the same pieces from it. Shallow queues to slow peers leave the
   * other pieces to be fetched from faster peers.
   */
  pipelineDepth(blockSize: number): number {
    const want = Math.ceil((this.down.rate() * PIPELINE_SECONDS) / blockSize)
    const peerCap = typeof this.ext?.reqq === 'number' && this.ext.reqq > 0 ? this.ext.reqq : 250
    return Math.max(MIN_PIPELINE, Math.min(want, MAX_PIPELINE, peerCap))
  }

  addOutstanding(r: BlockRequest): void {
    let m = this.outstanding.get(r.index)
    if (!m) this.outstanding.set(r.index, (m = new Map()))
    if (!m.has(r.begin)) this.outstandingCount++
    m.set(r.begin, { ...r, sentAt: Date.now() })
  }

  takeOutstanding(index: number, begin: number): Outstanding | undefined {
    const m = this.outstanding.get(index)
    const r = m?.get(begin)
    if (!m || !r) return undefined
    m.delete(begin)
    if (m.size === 0) this.outstanding.delete(index)
    this.outstandingCount--
    return r
  }

  clearOutstanding(): Outstanding[] {
    const all: Outstanding[] = []
    for (const m of this.outstanding.values()) all.push(...m.values())
    this.outstanding.clear()
    this.outstandingCount = 0
    return all
  }
}
