// The tab's remembered settings: display name and speed limits (KiB/s, 0 = unlimited).
import type { PieceStore } from '../storage/piece-store'

const NAME_KEY = 'peer-name'
const UP_KEY = 'upload-limit'
const DOWN_KEY = 'download-limit'

function decodeName(raw: unknown): string {
  if (typeof raw !== 'string') throw new Error('stored name is not text')
  return raw.slice(0, 64)
}

function decodeLimit(raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0) throw new Error('stored limit is not a number')
  return Math.floor(raw)
}

const ADJECTIVES = ['Swift', 'Quiet', 'Bright', 'Brave', 'Calm', 'Lucky', 'Clever', 'Gentle']
const ANIMALS = ['Otter', 'Falcon', 'Badger', 'Heron', 'Lynx', 'Marten', 'Wren', 'Fox']

function randomName(): string {
  const pick = (a: string[]) => a[Math.floor(Math.random() * a.length)]!
  return `${pick(ADJECTIVES)} ${pick(ANIMALS)}`
}

export class Settings {
  private constructor(
    private readonly store: PieceStore,
    public name: string,
    public uploadLimit: number,
    public downloadLimit: number,
  ) {}

  static async load(store: PieceStore): Promise<Settings> {
    const safe = async <T>(key: string, decode: (raw: unknown) => T): Promise<T | undefined> => {
      try {
        return await store.getSetting(key, decode)
      } catch {
        return undefined
      }
    }
    const name = (await safe(NAME_KEY, decodeName)) ?? randomName()
    const up = (await safe(UP_KEY, decodeLimit)) ?? 0
    const down = (await safe(DOWN_KEY, decodeLimit)) ?? 0
    const s = new Settings(store, name, up, down)
    await store.setSetting(NAME_KEY, name)
    return s
  }

  async setName(name: string): Promise<void> {
    this.name = name.trim().slice(0, 64)
    await this.store.setSetting(NAME_KEY, this.name)
  }

  async setLimits(upKiB: number, downKiB: number): Promise<void> {
    this.uploadLimit = Math.max(0, Math.floor(upKiB) || 0)
    this.downloadLimit = Math.max(0, Math.floor(downKiB) || 0)
    await this.store.setSetting(UP_KEY, this.uploadLimit)
    await this.store.setSetting(DOWN_KEY, this.downloadLimit)
  }
}
