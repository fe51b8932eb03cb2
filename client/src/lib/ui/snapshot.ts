// Plain, immutable views of engine state for the UI: the components never touch the engine.
import type { Entry } from '../engine/client'
import type { TorrentState } from '../engine/torrent-types'
import { filesComplete } from './file-progress'

export interface PeerView {
  id: string
  name: string
  downRate: number
  upRate: number
  downloaded: number
  uploaded: number
}

export interface TorrentView {
  infoHash: string
  name: string
  state: TorrentState
  progress: number
  peers: PeerView[]
  magnet: string
  files: { path: string; length: number }[]
  /** One per file: true = chosen for download. */
  selected: boolean[]
  /** One per file: every piece it touches is verified (it can be saved). */
  filesDone: boolean[]
  length: number | null
  downRate: number
  upRate: number
  /** This session's piece bytes; totals across sessions below. */
  downloaded: number
  uploaded: number
  totalDownloaded: number
  totalUploaded: number
  eta: number | null
  availability: number
  banned: number
  error: string | null
  swarm: { complete: number; incomplete: number; downloaded?: number } | null
  /** Run by another tab of this browser (engine/tab-lock.ts); shown here from storage. */
  elsewhere?: boolean
  /** For the piece map: piece count (0 before metadata), a copy of the have bitfield (BEP 3 bit order), pieces in flight. */
  pieceCount: number
  have: Uint8Array | null
  inFlight: number[]
}

export function snapshot(e: Entry): TorrentView {
  const t = e.torrent
  const downRate = t.downloadRate
  const left = t.left
  return {
    infoHash: t.infoHash,
    name: t.name,
    state: t.state,
    progress: t.progress,
    peers: [...t.peers.values()]
      .filter((p) => p.handshaken)
      .map((p) => ({ id: p.id, name: p.name, downRate: p.down.rate(), upRate: p.up.rate(), downloaded: p.downloaded, uploaded: p.uploaded })),
    magnet: e.magnet,
    files: t.info?.files.map((f) => ({ path: f.path, length: f.length })) ?? [],
    selected: [...(t.priorities?.selection ?? [])],
    filesDone: filesComplete(t.info, t.have),
    length: t.info?.length ?? null,
    downRate,
    upRate: t.uploadRate,
    downloaded: t.downloaded,
    uploaded: t.uploaded,
    totalDownloaded: t.totalDownloaded,
    totalUploaded: t.totalUploaded,
    availability: t.availability,
    banned: t.banned.size,
    eta: left !== null && left > 0 && downRate > 0 ? left / downRate : null,
    error: t.error ?? e.trackerError,
    swarm: e.swarm,
    pieceCount: t.info?.pieceCount ?? 0,
    // toBytes copies: the engine keeps setting bits in its own, and a view must not change under the UI.
    have: t.have ? t.have.toBytes() : null,
    inFlight: t.inFlight,
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`
}
