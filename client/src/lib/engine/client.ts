// The engine's root: one per tab. Owns the piece store, the hash pool, the tracker sockets and
// every torrent; restores them all from IndexedDB on load. The UI talks only to this class.
import { bytesToHex, randomPeerId } from '@shared/binary'
import { formatMagnet, parseMagnet } from '@shared/magnet'
import { parseInfo } from '@shared/torrent'
import type { TorrentInfo } from '@shared/torrent'
import { importFiles } from '../files/import'
import { saveFile, saveFileAs } from '../files/save'
import { HashPool } from '../hashing/pool'
import type { TorrentRecord } from '../storage/db'
import { PieceStore } from '../storage/piece-store'
import { StreamHost } from '../stream/host'
import { ConnectionBudget } from './connection-budget'
import { iceServers } from './ice'
import { TokenBucket } from './rate'
import { Settings } from './settings'
import { RemoteTorrents } from './remote'
import { SwarmConnector } from './swarm'
import { TorrentLocks } from './tab-lock'
import { MAX_PEERS, Torrent } from './torrent'
import { TrackerPool } from './tracker-client'

/** Files above this are saved through the file picker when the browser has one. */
const LARGE_SAVE = 256 * 1024 * 1024

export interface Entry {
  torrent: Torrent
  connector: SwarmConnector
  magnet: string
  readonly trackerError: string | null
  readonly swarm: { complete: number; incomplete: number; downloaded?: number } | null
}

export interface Importing {
  id: number
  name: string
  progress: number
}

export class TabswarmClient {
  readonly entries = new Map<string, Entry>()
  readonly importing = new Map<number, Importing>()
  /** Serves the service worker's streams of the torrents this tab runs. */
  streams: StreamHost | null = null
  readonly peerId = randomPeerId()
  private readonly trackers = new TrackerPool()
  /** Every torrent's WebRTC connections come out of this one budget (see connection-budget.ts). */
  readonly connections = new ConnectionBudget()
  private readonly limits = { up: new TokenBucket(), down: new TokenBucket() }
  private nextImport = 1
  private persistTimer: ReturnType<typeof setInterval> | null = null
  /** One tab runs each torrent (tab-lock.ts); the others show it from storage (remote.ts). */
  readonly locks = new TorrentLocks((h) => this.takeOver(h))
  remote: RemoteTorrents | null = null

  private constructor(
    readonly store: PieceStore,
    readonly pool: HashPool,
    readonly settings: Settings,
    private readonly onChange: (urgent?: boolean) => void,
  ) {}

  static async create(onChange: (urgent?: boolean) => void): Promise<{ client: TabswarmClient; problems: string[] }> {
    const store = await PieceStore.open()
    const settings = await Settings.load(store)
    const client = new TabswarmClient(store, new HashPool(), settings, onChange)
    client.applyLimits()
    const { records, corrupt } = await store.listTorrents()
    const problems = corrupt.map((c) => `A stored torrent could not be read and was skipped: ${c}`)
    for (const rec of records) {
      try {
        if (await client.locks.claim(rec.infoHash)) await client.restore(rec)
      } catch (err) {
        problems.push(`Could not restore "${rec.name}": ${err instanceof Error ? err.message : String(err)}`)
      }
    }
    client.persistTimer = setInterval(() => void client.persistCounters(), 5000)
    client.remote = new RemoteTorrents(store, {
      runs: (h) => client.entries.has(h),
      discovered: (h) => void client.locks.claim(h).then((now) => (now ? client.takeOver(h) : undefined)),
      vanished: (h) => !client.entries.has(h) && client.locks.release(h),
      command: (c) => void client[c.action](c.infoHash),
      changed: onChange,
    })
    client.remote.start(records.map((r) => r.infoHash))
    client.streams = new StreamHost((h) => client.entries.get(h)?.torrent ?? null)
    return { client, problems }
  }

  get defaultTracker(): string {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/announce`
  }

  applyLimits(): void {
    this.limits.up.setLimit(this.settings.uploadLimit * 1024)
    this.limits.down.setLimit(this.settings.downloadLimit * 1024)
  }

  /** Share files: hash them into a torrent, store its pieces, and seed. */
  async addFiles(files: readonly File[]): Promise<string> {
    const job: Importing = { id: this.nextImport++, name: files[0]?.name ?? 'files', progress: 0 }
    this.importing.set(job.id, job)
    this.onChange()
    try {
      const info = await importFiles(files, { store: this.store, pool: this.pool }, (p) => {
        job.progress = p
        this.onChange()
      })
      const magnet = this.magnetFor(info, [this.defaultTracker])
      const existing = this.entries.get(info.infoHash) ?? this.remote?.views.get(info.infoHash)
      if (!existing && (await this.locks.claim(info.infoHash))) {
        await this.store.updateTorrent(info.infoHash, { magnet })
        this.open(info.infoHash, info.name, info, new Uint8Array(0), magnet, false, true)
      }
      return info.infoHash
    } finally {
      this.importing.delete(job.id)
      this.onChange()
    }
  }

  /** Start a magnet link; throws MagnetError with a user-facing message for bad input. */
  async addMagnet(input: string): Promise<string> {
    const m = parseMagnet(input)
    const trackers = m.trackers.filter((t) => /^wss?:\/\//i.test(t))
    if (trackers.length === 0) trackers.push(this.defaultTracker)
    if (this.entries.has(m.infoHash) || this.remote?.views.has(m.infoHash)) return m.infoHash
    // Claimed before the record exists, so no other tab can discover it and run it first.
    if (!(await this.locks.claim(m.infoHash))) return m.infoHash
    const stored = await this.store.getTorrent(m.infoHash).catch(() => null)
    if (stored) {
      await this.restore(stored)
      return m.infoHash
    }
    const magnet = formatMagnet({ ...m, trackers })
    const rec = newDownload(m.infoHash, m.name ?? m.infoHash, magnet, null)
    await this.store.putTorrent(rec)
    this.open(m.infoHash, rec.name, null, null, magnet, false, false)
    return m.infoHash
  }

  /** This tab's turn to run a torrent another tab ran (it closed or reloaded). */
  private async takeOver(infoHash: string): Promise<void> {
    const rec = this.entries.has(infoHash) ? null : await this.store.getTorrent(infoHash)
    if (!rec) {
      if (!this.entries.has(infoHash)) this.locks.release(infoHash)
      return
    }
    await this.restore(rec)
    this.remote?.views.delete(infoHash)
    this.onChange()
  }

  /**
   * Start a download whose info dict is already known (a .torrent file): no metadata exchange.
   * `trackers` are ws(s) URLs; none means this site's tracker. Returns whether it was new.
   */
  async addInfo(info: TorrentInfo, trackers: readonly string[]): Promise<boolean> {
    if (this.entries.has(info.infoHash) || this.remote?.views.has(info.infoHash)) return false
    if (!(await this.locks.claim(info.infoHash))) return false
    const magnet = this.magnetFor(info, trackers.length > 0 ? [...trackers] : [this.defaultTracker])
    await this.store.putTorrent(newDownload(info.infoHash, info.name, magnet, info.infoBytes))
    this.open(info.infoHash, info.name, info, null, magnet, false, false)
    return true
  }

  private async restore(rec: TorrentRecord): Promise<void> {
    const info = rec.infoBytes ? await parseInfo(rec.infoBytes, rec.infoHash) : null
    // A tab that crashed while sharing files left a record without a magnet (addFiles writes it
    // after the last piece): rebuild it, or the stored pieces would never come back (found by
    // e2e/crash.spec.ts).
    let magnet = rec.magnet
    if (!magnet && info) {
      magnet = this.magnetFor(info, [this.defaultTracker])
      await this.store.updateTorrent(rec.infoHash, { magnet })
    }
    const e = this.open(rec.infoHash, rec.name, info, rec.bitfield, magnet, rec.paused, rec.role === 'seeding', rec.selected ?? null)
    e.torrent.previousUploaded = rec.uploaded
    e.torrent.previousDownloaded = rec.downloaded
  }

  private magnetFor(info: TorrentInfo, trackers: string[]): string {
    return formatMagnet({ infoHash: info.infoHash, name: info.name, length: info.length, trackers })
  }

  private open(
    infoHash: string,
    name: string,
    info: TorrentInfo | null,
    bits: Uint8Array | null,
    magnet: string,
    paused: boolean,
    complete: boolean,
    selection: readonly boolean[] | null = null,
  ): Entry {
    // A seeding torrent's bitfield is full by definition; a zero-length array stands for "all".
    let bitfield = bits
    if (info && complete && (!bits || bits.byteLength === 0)) bitfield = fullBitfield(info.pieceCount)
    const torrent = new Torrent(infoHash, name, info, bitfield, {
      store: this.store,
      pool: this.pool,
      peerId: this.peerId,
      limits: this.limits,
      onChange: this.onChange,
      persistInfo: (t) => this.store.updateTorrent(t.infoHash, { infoBytes: t.info!.infoBytes, name: t.name }),
      completed: (t) => {
        void this.store.updateTorrent(t.infoHash, { role: 'seeding' })
        this.entries.get(t.infoHash)?.connector.announce('completed')
      },
    }, selection)
    const trackers = parseMagnet(magnet).trackers.filter((t) => /^wss?:\/\//i.test(t))
    const status = { trackerError: null as string | null, swarm: null as Entry['swarm'] }
    const connector = new SwarmConnector(
      {
        infoHash,
        wantPeers: () => (torrent.isActive ? MAX_PEERS - torrent.peers.size : 0),
        connectedIds: () => [...torrent.peers.keys()],
        accepts: (id) => torrent.isActive && id !== bytesToHex(this.peerId) && !torrent.peers.has(id) && !torrent.banned.has(id),
        attach: (channel, id, peerName, weOffered) => torrent.attach(channel, id, peerName, weOffered),
        fields: () => ({
          uploaded: torrent.totalUploaded,
          downloaded: torrent.totalDownloaded,
          ...(torrent.left === null ? {} : { left: torrent.left }),
          peer_name: this.settings.name,
          file_name: torrent.name,
          ...(torrent.info ? { file_size: torrent.info.length } : {}),
        }),
        trackerStatus: (_url, error) => {
          status.trackerError = error
          this.onChange()
        },
        swarmCounts: (c) => {
          status.swarm = c
          this.onChange()
        },
        seeding: () => torrent.state === 'seeding',
        activity: (id) => {
          const p = torrent.peers.get(id)
          if (!p) return 0
          return p.up.rate() + p.down.rate() + (p.amInterested || p.peerInterested ? 1 : 0)
        },
      },
      trackers,
      this.trackers,
      this.peerId,
      iceServers,
      this.connections,
    )
    const entry: Entry = {
      torrent,
      connector,
      magnet,
      get trackerError() {
        return status.trackerError
      },
      get swarm() {
        return status.swarm
      },
    }
    this.entries.set(infoHash, entry)
    torrent.start()
    if (paused) torrent.pause()
    else entry.connector.start()
    this.onChange()
    return entry
  }

  async pause(infoHash: string): Promise<void> {
    const e = this.entries.get(infoHash)
    if (!e) return this.remote?.send('pause', infoHash)
    e.torrent.pause()
    e.connector.stop()
    await this.store.updateTorrent(infoHash, { paused: true })
  }

  async resume(infoHash: string): Promise<void> {
    const e = this.entries.get(infoHash)
    if (!e) return this.remote?.send('resume', infoHash)
    e.torrent.resume()
    e.connector.start()
    await this.store.updateTorrent(infoHash, { paused: false })
  }

  async remove(infoHash: string): Promise<void> {
    const e = this.entries.get(infoHash)
    if (!e) return this.remote?.send('remove', infoHash)
    e.connector.stop()
    e.torrent.destroy()
    this.entries.delete(infoHash)
    this.onChange()
    await this.store.deleteTorrent(infoHash)
    this.locks.release(infoHash)
  }

  /**
   * Choose which files of a torrent to download (true = download it) and remember the choice.
   * Unchecking every file pauses the torrent with a message; checking one again resumes it.
   */
  async setFileSelection(infoHash: string, selected: readonly unknown[]): Promise<void> {
    const e = this.entries.get(infoHash)
    const t = e?.torrent
    if (!e || !t) throw new Error('No such torrent')
    if (!selected.every((v): v is boolean => typeof v === 'boolean')) throw new Error('A file selection is a list of true/false')
    const wasActive = t.isActive
    t.select(selected)
    // Unchecking every file paused the torrent and dropped its peers; checking one again must
    // look for peers now, not at the next regular announce (measured: 40 s later).
    if (!wasActive && t.isActive) e.connector.start()
    await this.store.updateTorrent(infoHash, { selected: [...selected] })
  }

  async save(infoHash: string, fileIndex: number): Promise<void> {
    const info = this.entries.get(infoHash)?.torrent.info ?? this.remote?.views.get(infoHash)?.info
    if (!info) throw new Error('This torrent has no metadata yet')
    const file = info.files[fileIndex]
    if (!file) throw new Error('No such file in this torrent')
    // Browsers cap what a Blob download may hold (about 500 MiB in headless Chromium, a few GiB
    // on desktop); big files stream to a file the user picks where the browser offers that.
    if (file.length > LARGE_SAVE && (await saveFileAs(this.store, info, fileIndex)) !== 'unsupported') return
    await saveFile(this.store, info, fileIndex)
  }

  /** Counters last written per torrent: a tab seeding 100 idle torrents writes nothing. */
  private readonly persisted = new Map<string, string>()

  private async persistCounters(): Promise<void> {
    for (const { torrent } of this.entries.values()) {
      if (!torrent.isActive) continue
      const key = `${torrent.totalUploaded}/${torrent.totalDownloaded}`
      if (this.persisted.get(torrent.infoHash) === key) continue
      this.persisted.set(torrent.infoHash, key)
      await this.store.updateTorrent(torrent.infoHash, { uploaded: torrent.totalUploaded, downloaded: torrent.totalDownloaded }).catch(() => undefined)
    }
  }
}

function fullBitfield(pieceCount: number): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(pieceCount / 8)).fill(0xff)
  const spare = bytes.byteLength * 8 - pieceCount
  if (spare > 0) bytes[bytes.byteLength - 1] = (0xff << spare) & 0xff
  return bytes
}

/** The stored record of a download just started (from a magnet: no info dict yet). */
function newDownload(infoHash: string, name: string, magnet: string, infoBytes: Uint8Array | null): TorrentRecord {
  return { infoHash, name, magnet, infoBytes, role: 'downloading', paused: false, bitfield: null, uploaded: 0, downloaded: 0, addedAt: Date.now() }
}
