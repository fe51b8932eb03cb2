// The view of a torrent another tab runs (engine/remote.ts): what its stored record says. No
// peers or rates here; those belong to the running tab.
import { Bitfield } from '@shared/pieces'
import type { RemoteTorrent } from '../engine/remote'
import { filesComplete } from './file-progress'
import type { TorrentView } from './snapshot'

export function remoteSnapshot({ record, info }: RemoteTorrent): TorrentView {
  const count = info?.pieceCount ?? 0
  const seeding = record.role === 'seeding'
  let bits: Bitfield | null = null
  if (count > 0) {
    bits = seeding || !record.bitfield ? new Bitfield(count) : Bitfield.fromBytes(record.bitfield, count)
    if (seeding) for (let i = 0; i < count; i++) bits.set(i)
  }
  const have = bits?.count() ?? 0
  return {
    infoHash: record.infoHash,
    name: info?.name ?? record.name,
    state: record.paused ? 'paused' : !info ? 'metadata' : seeding ? 'seeding' : 'downloading',
    progress: count > 0 ? have / count : 0,
    peers: [],
    magnet: record.magnet,
    files: info?.files.map((f) => ({ path: f.path, length: f.length })) ?? [],
    length: info?.length ?? null,
    downRate: 0,
    upRate: 0,
    downloaded: 0,
    uploaded: 0,
    totalDownloaded: record.downloaded,
    totalUploaded: record.uploaded,
    eta: null,
    availability: 0,
    banned: 0,
    error: null,
    swarm: null,
    filesDone: filesComplete(info, bits),
    selected: record.selected ? [...record.selected] : (info?.files.map(() => true) ?? []),
    elsewhere: true,
    pieceCount: count,
    have: bits ? bits.toBytes() : null,
    inFlight: [],
  }
}
