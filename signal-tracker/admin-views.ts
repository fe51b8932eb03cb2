// What the admin HTTP endpoints read: one interface, answered from this process's memory
// (the default) or cluster-wide from Redis (cluster/views.ts). Async because the cluster's are.

import { fileView, filesView, peersView, statsView } from './admin'
import type { FileDetail, FileSummary, PeerSummary, StatsView } from './admin'
import type { Gateway } from './connection'
import type { TrackerState } from './swarm'

export interface NodeRow {
  id: string
  connections: number
  peers: number
  announcesPerSecond: number
  /** ms since the epoch */
  lastHeartbeat: number
  self: boolean
}

/** Present in cluster mode only. */
export interface ClusterInfo { node: string; redis: 'up' | 'unreachable'; nodes: NodeRow[] }

export interface AdminViews {
  stats(): Promise<StatsView & { cluster?: ClusterInfo }>
  files(limit: number): Promise<{ total: number; files: FileSummary[] }>
  file(infoHash: string): Promise<FileDetail | undefined>
  peers(limit: number): Promise<{ total: number; peers: PeerSummary[] }>
}

/** Thrown by a view that cannot be answered now (Redis unreachable): HTTP 503. */
export class ViewUnavailable extends Error {}

export function memoryViews(state: TrackerState, gateway: Gateway, startedAt: number): AdminViews {
  return {
    stats: async () => statsView(state, gateway, startedAt),
    files: async (limit) => filesView(state, limit),
    file: async (ih) => fileView(state, ih),
    peers: async (limit) => peersView(state, limit),
  }
}
