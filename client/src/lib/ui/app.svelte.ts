// The page's state as Svelte 5 runes. Engine events only mark it dirty; a throttled refresh
// copies snapshots into rune state, so a 25 MB/s download does not re-render per block.
import { MagnetError } from '@shared/magnet'
import { TabswarmClient } from '../engine/client'
import { broadcastStream } from '../stream/messages'
import type { SeekHint } from '../stream/host'
import type { Importing } from '../engine/client'
import { remoteSnapshot } from './remote-snapshot'
import { LAUNCH_PARAMS, launchLink } from './launch'
import { Announcer } from './live.svelte'
import { snapshot } from './snapshot'
import { reuseViews } from './view-reuse'
import type { TorrentView } from './snapshot'
import { SpeedHistory } from './speed-history.svelte'
import { StorageState } from './storage.svelte'

const REFRESH_MS = 250

export class AppState {
  // Raw: views are immutable snapshots, replaced whole; a deep proxy per view per refresh was waste.
  torrents = $state.raw<TorrentView[]>([])
  importing = $state<Importing[]>([])
  error = $state<string | null>(null)
  ready = $state(false)
  name = $state('')
  uploadLimit = $state(0)
  downloadLimit = $state(0)
  readonly speeds = new SpeedHistory()
  readonly storage = new StorageState()
  readonly live = new Announcer()
  private client: TabswarmClient | null = null
  private pending = false
  // Actions taken before the engine is ready (a limit typed in the first second) wait for it
  // here instead of being dropped; they run in order once init has loaded the stored settings.
  private readonly started: Promise<TabswarmClient | null>
  private start!: (c: TabswarmClient | null) => void
  // Settings the user changed before the engine was ready win over the stored ones.
  private touched = { name: false, limits: false }

  private lastRefresh = 0

  constructor() {
    this.started = new Promise((resolve) => (this.start = resolve))
  }

  async init(): Promise<void> {
    try {
      const { client, problems } = await TabswarmClient.create((urgent) => (urgent ? this.refresh() : this.schedule()))
      this.client = client
      if (!this.touched.name) this.name = client.settings.name
      if (!this.touched.limits) {
        this.uploadLimit = client.settings.uploadLimit
        this.downloadLimit = client.settings.downloadLimit
      }
      if (problems.length > 0) this.error = problems.join('\n')
      this.ready = true
      this.start(client)
      this.refresh()
      setInterval(() => this.refresh(), 1000)
      window.addEventListener('hashchange', () => void this.openFromHash())
      await this.openFromHash()
    } catch (err) {
      this.error = `Tabswarm could not start: ${message(err)}`
      this.start(null)
    }
  }

  /**
   * Engine changes reach the page at most every REFRESH_MS, but the first after a quiet spell
   * at once: the metadata arriving (which enables Play) should not wait for a timer.
   */
  private schedule(): void {
    if (this.pending) return
    this.pending = true
    setTimeout(
      () => {
        this.pending = false
        this.refresh()
      },
      Math.max(0, this.lastRefresh + REFRESH_MS - performance.now()),
    )
  }

  refresh(): void {
    if (!this.client) return
    this.lastRefresh = performance.now()
    const remote = [...(this.client.remote?.views.values() ?? [])].map(remoteSnapshot)
    const views = reuseViews(this.torrents, [...this.client.entries.values()].map(snapshot).concat(remote).reverse())
    if (views !== this.torrents) this.torrents = views
    this.importing = [...this.client.importing.values()].map((j) => ({ ...j }))
    this.speeds.record(this.torrents, Date.now())
    this.live.update(this.torrents)
  }

  /** `/#<magnet>`, the magnet handler's `/?magnet=…` and the share target's `/?url=…&text=…`. */
  private async openFromHash(): Promise<void> {
    const link = launchLink(location.href)
    const url = new URL(location.href)
    if (LAUNCH_PARAMS.some((k) => url.searchParams.has(k))) {
      // Opened once; a reload must not re-run it (harmless, but the query would linger).
      for (const k of LAUNCH_PARAMS) url.searchParams.delete(k)
      history.replaceState(history.state, '', url.href)
    }
    if (link) await this.addLink(link)
  }

  async addFiles(files: readonly File[]): Promise<void> {
    if (files.length === 0) return
    this.storage.requestPersist()
    await this.run(async (c) => void (await c.addFiles(files)), { clearError: true })
  }

  async addLink(text: string): Promise<boolean> {
    let ok = false
    this.storage.requestPersist()
    await this.run(async (c) => {
      try {
        await c.addMagnet(text)
        ok = true
      } catch (err) {
        throw err instanceof MagnetError ? new Error(`This magnet link cannot be opened: ${err.message}`) : err
      }
    }, { clearError: true })
    return ok
  }

  /**
   * A player of this page started seeking (StreamHost.seek). Handed to this tab's engine
   * directly when it runs the torrent: a hop through the channel took longer than the player's
   * own request through the service worker, and the hint is only worth its head start.
   */
  seekHint(m: SeekHint): void {
    const streams = this.client?.streams
    if (streams && this.client?.entries.has(m.infoHash)) {
      streams.seek(m)
      return
    }
    broadcastStream(m)
  }

  /** Run an engine action, waiting for the engine if it is still starting; errors go to `error`. */
  async run(action: (c: TabswarmClient) => Promise<void>, opts: { clearError?: boolean } = {}): Promise<void> {
    const client = await this.started
    if (!client) return // init failed and already said why
    if (opts.clearError) this.error = null
    try {
      await action(client)
    } catch (err) {
      this.error = message(err)
    }
    this.refresh()
    void this.storage.refresh() // an add or a remove changes what is stored
  }

  async setName(name: string): Promise<void> {
    if (!this.ready) this.touched.name = true
    this.name = name
    await this.run(async (c) => {
      await c.settings.setName(name)
      this.name = c.settings.name
    })
  }

  async setLimits(up: number, down: number): Promise<void> {
    if (!this.ready) this.touched.limits = true
    this.uploadLimit = up
    this.downloadLimit = down
    await this.run(async (c) => {
      await c.settings.setLimits(up, down)
      c.applyLimits()
      this.uploadLimit = c.settings.uploadLimit
      this.downloadLimit = c.settings.downloadLimit
    })
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
