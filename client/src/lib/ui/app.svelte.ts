// The page's state as Svelte 5 runes. Engine events only mark it dirty; a throttled refresh
// copies snapshots into rune state, so a 25 MB/s download does not re-render per block.
import { MagnetError } from '../../../../shared/magnet'
import { TabswarmClient } from '../engine/client'
import type { Importing } from '../engine/client'
import { snapshot } from './snapshot'
import type { TorrentView } from './snapshot'

const REFRESH_MS = 250

export class AppState {
  torrents = $state<TorrentView[]>([])
  importing = $state<Importing[]>([])
  error = $state<string | null>(null)
  ready = $state(false)
  name = $state('')
  uploadLimit = $state(0)
  downloadLimit = $state(0)
  private client: TabswarmClient | null = null
  private pending = false

  async init(): Promise<void> {
    try {
      const { client, problems } = await TabswarmClient.create(() => this.schedule())
      this.client = client
      this.name = client.settings.name
      this.uploadLimit = client.settings.uploadLimit
      this.downloadLimit = client.settings.downloadLimit
      if (problems.length > 0) this.error = problems.join('\n')
      this.ready = true
      this.refresh()
      setInterval(() => this.refresh(), 1000)
      window.addEventListener('hashchange', () => void this.openFromHash())
      await this.openFromHash()
    } catch (err) {
      this.error = `Tabswarm could not start: ${message(err)}`
    }
  }

  private schedule(): void {
    if (this.pending) return
    this.pending = true
    setTimeout(() => {
      this.pending = false
      this.refresh()
    }, REFRESH_MS)
  }

  refresh(): void {
    if (!this.client) return
    this.torrents = [...this.client.entries.values()].map(snapshot).reverse()
    this.importing = [...this.client.importing.values()].map((j) => ({ ...j }))
  }

  private async openFromHash(): Promise<void> {
    const hash = decodeURIComponent(location.hash.slice(1))
    if (!hash.startsWith('magnet:')) return
    await this.addLink(hash)
  }

  async addFiles(files: readonly File[]): Promise<void> {
    if (!this.client || files.length === 0) return
    this.error = null
    try {
      await this.client.addFiles(files)
    } catch (err) {
      this.error = message(err)
    }
  }

  async addLink(text: string): Promise<boolean> {
    if (!this.client) return false
    this.error = null
    try {
      await this.client.addMagnet(text)
      return true
    } catch (err) {
      this.error = err instanceof MagnetError ? `This magnet link cannot be opened: ${err.message}` : message(err)
      return false
    }
  }

  async run(action: (c: TabswarmClient) => Promise<void>): Promise<void> {
    if (!this.client) return
    try {
      await action(this.client)
    } catch (err) {
      this.error = message(err)
    }
    this.refresh()
  }

  async setName(name: string): Promise<void> {
    await this.run(async (c) => {
      await c.settings.setName(name)
      this.name = c.settings.name
    })
  }

  async setLimits(up: number, down: number): Promise<void> {
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
