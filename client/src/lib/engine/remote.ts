// Torrents this tab does not run (another tab holds their lock, see tab-lock.ts): read from
// IndexedDB every second so the page shows them, with their progress, as the runner stores
// pieces. Pause, resume and remove pressed here are sent to the runner tab to carry out.
import { parseInfo, type TorrentInfo } from '@shared/torrent'
import type { PieceStore, TorrentRecord } from '../storage/piece-store'

const POLL_MS = 1000
const CHANNEL = 'tabswarm-tabs'

export type TabCommand = { kind: 'command'; action: 'pause' | 'resume' | 'remove'; infoHash: string }

export function decodeTabCommand(raw: unknown): TabCommand | null {
  if (typeof raw !== 'object' || raw === null) return null
  const r = raw as Record<string, unknown>
  if (r.kind !== 'command' || typeof r.infoHash !== 'string' || !/^[0-9a-f]{40}$/.test(r.infoHash)) return null
  if (r.action !== 'pause' && r.action !== 'resume' && r.action !== 'remove') return null
  return { kind: 'command', action: r.action, infoHash: r.infoHash }
}

export interface RemoteTorrent {
  record: TorrentRecord
  info: TorrentInfo | null
}

export interface RemoteHost {
  /** This tab runs it. */
  runs(infoHash: string): boolean
  /** A torrent appeared (added in another tab): queue for it. */
  discovered(infoHash: string): void
  /** It left storage (removed in another tab): leave its queue. */
  vanished(infoHash: string): void
  /** This tab runs `infoHash` and another tab asked for `action`. */
  command(c: TabCommand): void
  changed(): void
}

export class RemoteTorrents {
  readonly views = new Map<string, RemoteTorrent>()
  private readonly known = new Set<string>()
  private readonly channel = new BroadcastChannel(CHANNEL)
  private timer: ReturnType<typeof setInterval> | null = null
  private polling = false

  constructor(private readonly store: PieceStore, private readonly host: RemoteHost) {
    this.channel.onmessage = (ev: MessageEvent<unknown>) => {
      const c = decodeTabCommand(ev.data)
      if (c && host.runs(c.infoHash)) host.command(c)
    }
  }

  /** `known`: the torrents this tab has seen at startup (run or queued for). */
  start(known: Iterable<string>): void {
    for (const h of known) this.known.add(h)
    void this.poll()
    this.timer = setInterval(() => void this.poll(), POLL_MS)
  }

  send(action: TabCommand['action'], infoHash: string): void {
    this.channel.postMessage({ kind: 'command', action, infoHash } satisfies TabCommand)
  }

  async poll(): Promise<void> {
    if (this.polling) return
    this.polling = true
    try {
      const { records } = await this.store.listTorrents()
      const present = new Set<string>()
      let changed = false
      for (const record of records) {
        present.add(record.infoHash)
        // magnet '' = an import still hashing in some tab; that tab claims it when done.
        if (!this.known.has(record.infoHash) && record.magnet !== '') {
          this.known.add(record.infoHash)
          this.host.discovered(record.infoHash)
        }
        if (this.host.runs(record.infoHash) || !this.known.has(record.infoHash)) {
          changed = this.views.delete(record.infoHash) || changed
          continue
        }
        const old = this.views.get(record.infoHash)
        const info = old?.info ?? (record.infoBytes ? await parseInfo(record.infoBytes, record.infoHash).catch(() => null) : null)
        this.views.set(record.infoHash, { record, info })
        changed = true
      }
      for (const h of [...this.known]) {
        if (present.has(h)) continue
        this.known.delete(h)
        changed = this.views.delete(h) || changed
        this.host.vanished(h)
      }
      if (changed) this.host.changed()
    } catch (err) {
      console.warn('[tabswarm] could not read the torrents of other tabs:', err)
    } finally {
      this.polling = false
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.channel.close()
  }
}
