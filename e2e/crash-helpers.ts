// Helpers for the crash tests: hold a batch of piece writes open so a kill lands mid-write,
// read what a tab stored in IndexedDB, find and kill a browser process.
import { createHash } from 'node:crypto'
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { choosePieceLength } from '../shared/pieces'
import { buildInfo } from '../shared/torrent'
import type { Worker } from '@playwright/test'
import { byTestId, expect, type BrowserContext, type Page } from './fixtures'

/** Printed by pieceBatchHook once a held batch has issued its piece writes. */
export const BATCH_HELD = 'e2e: piece batch held open'

/**
 * The page's store worker, where its piece commits run (client/src/lib/storage/store.worker.ts).
 * It starts with the app's store, before the app is ready.
 */
export async function storeWorker(page: Page): Promise<Worker> {
  const isStore = (w: Worker): boolean => w.url().includes('store.worker')
  const appears = page.waitForEvent('worker', { predicate: isStore, timeout: 30_000 })
  const found = page.workers().find(isStore)
  if (found) {
    appears.catch(() => {})
    return found
  }
  return appears
}

/**
 * Installed in the page's store worker (storeWorker(page).evaluate) before its first commit.
 * Once armed by `__e2eHoldNextBatch = n`, the n-th next read-write transaction over the
 * `torrents` and `pieces` stores (the engine's batched piece commit) is kept from committing by
 * a chain of reads, and BATCH_HELD is logged when its first piece is written. A kill after that
 * message lands, for certain, while the batch's pieces and bitfield are written but not
 * committed. The app itself runs unchanged.
 */
export function pieceBatchHook(): void {
  const w = globalThis as unknown as { __e2eHoldNextBatch?: number }
  const held = new WeakSet<IDBTransaction>()
  const transaction = IDBDatabase.prototype.transaction
  IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
    const tx = transaction.apply(this, args)
    const names = typeof args[0] === 'string' ? [args[0]] : [...args[0]]
    if (w.__e2eHoldNextBatch && args[1] === 'readwrite' && names.includes('pieces') && names.includes('torrents') && --w.__e2eHoldNextBatch === 0) {
      held.add(tx)
      const torrents = tx.objectStore('torrents')
      const started = Date.now()
      // A transaction commits once it has no request left; this one always has one (for 60 s).
      const spin = (): void => {
        if (Date.now() - started < 60_000) torrents.count().onsuccess = spin
      }
      spin()
    }
    return tx
  }
  const put = IDBObjectStore.prototype.put
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    const request = put.apply(this, args)
    if (this.name === 'pieces' && held.has(this.transaction)) {
      held.delete(this.transaction)
      console.log('e2e: piece batch held open')
    }
    return request
  }
}

/** Installs pieceBatchHook in the store worker of `page` (whose app is ready) and returns that worker. */
export async function hookPieceBatches(page: Page): Promise<Worker> {
  const worker = await storeWorker(page)
  await worker.evaluate(pieceBatchHook)
  return worker
}

/**
 * Arm pieceBatchHook in `worker` (see hookPieceBatches) to hold the `nth` next batch;
 * `whileArmed` then runs (e.g. starts the writes). Resolves once that batch is held open mid-write.
 */
export async function holdBatch(worker: Worker, nth = 1, whileArmed?: () => Promise<void>): Promise<void> {
  const message = worker.waitForEvent('console', { predicate: (m) => m.text() === BATCH_HELD, timeout: 60_000 })
  await worker.evaluate((n) => {
    ;(globalThis as unknown as { __e2eHoldNextBatch?: number }).__e2eHoldNextBatch = n
  }, nth)
  await whileArmed?.()
  await message
}

/** Crash the renderer of `page` (CDP Page.crash) and wait until Playwright sees it gone. */
export async function crashTab(context: BrowserContext, page: Page): Promise<void> {
  const crashed = page.waitForEvent('crash')
  const cdp = await context.newCDPSession(page)
  void cdp.send('Page.crash').catch(() => {}) // never answered: the renderer is gone
  await crashed
}

export interface StoredTorrent {
  /** Pieces the saved bitfield claims; null when the record has no bitfield (or an empty one). */
  claimed: number[] | null
  role: string
  /** Every stored piece of the torrent with the SHA-1 (hex) of its bytes. */
  stored: { index: number; sha1: string }[]
}

/**
 * What IndexedDB holds for `infohash`, read by a page of the same origin that does not run the
 * app (the tracker's /api/stats), so no engine writes while we look. Closes that page after.
 */
export async function readStoredTorrent(context: BrowserContext, baseURL: string, infohash: string): Promise<StoredTorrent | null> {
  const probe = await context.newPage()
  try {
    await probe.goto(new URL('/api/stats', baseURL).href)
    return await probe.evaluate(async (ih) => {
      const req = (r: IDBRequest) => new Promise<unknown>((resolve, reject) => {
        r.onsuccess = () => resolve(r.result)
        r.onerror = () => reject(r.error)
      })
      const open = indexedDB.open('tabswarm')
      const db = (await req(open)) as IDBDatabase
      try {
        const tx = db.transaction(['torrents', 'pieces'])
        const rec = (await req(tx.objectStore('torrents').get(ih))) as { bitfield?: Uint8Array | null; role?: string } | undefined
        if (!rec) return null
        const range = IDBKeyRange.bound([ih, 0], [ih, Infinity])
        const [keys, values] = (await Promise.all([
          req(tx.objectStore('pieces').getAllKeys(range)),
          req(tx.objectStore('pieces').getAll(range)),
        ])) as [[string, number][], unknown[]]
        const stored: { index: number; sha1: string }[] = []
        for (let i = 0; i < keys.length; i++) {
          const v = values[i]
          const bytes = v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(0)
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', bytes as Uint8Array<ArrayBuffer>))
          stored.push({ index: keys[i]![1], sha1: [...digest].map((b) => b.toString(16).padStart(2, '0')).join('') })
        }
        let claimed: number[] | null = null
        const bits = rec.bitfield
        if (bits && bits.length > 0) {
          claimed = []
          for (let i = 0; i < bits.length * 8; i++) if (bits[i >> 3]! & (0x80 >> (i & 7))) claimed.push(i)
        }
        return { claimed, role: String(rec.role), stored }
      } finally {
        db.close()
      }
    }, infohash)
  } finally {
    await probe.close()
  }
}

/** SHA-1 (hex) of every piece of a file as Tabswarm splits it. */
export async function expectedPieceHashes(file: string): Promise<string[]> {
  const bytes = await readFile(file)
  const len = choosePieceLength(bytes.length)
  const out: string[] = []
  for (let at = 0; at < bytes.length; at += len) out.push(createHash('sha1').update(bytes.subarray(at, at + len)).digest('hex'))
  return out
}

/** The info hash Tabswarm gives a single dropped file (a standard BEP 3 single-file info dict). */
export async function singleFileInfohash(file: { name: string; size: number }, pieceHashes: string[]): Promise<string> {
  const hashes = Buffer.from(pieceHashes.join(''), 'hex')
  const info = await buildInfo({ name: file.name, files: [{ path: file.name, length: file.size }], pieceLength: choosePieceLength(file.size), pieceHashes: hashes })
  return info.infoHash
}

/**
 * The invariant a crash must not break: every piece the bitfield claims is stored with the
 * right bytes, every stored piece has the right bytes, and nothing stored goes unclaimed.
 * Returns how many pieces are stored.
 */
export function expectConsistent(snap: StoredTorrent | null, expected: string[]): number {
  if (!snap) throw new Error('the torrent record is gone from IndexedDB')
  const bad = snap.stored.filter((p) => expected[p.index] !== p.sha1).map((p) => p.index)
  expect(bad, 'stored pieces whose bytes do not match their hash').toEqual([])
  const stored = snap.stored.map((p) => p.index)
  // A seeding record without a bitfield stands for "all" (client.ts fullBitfield).
  const claimed = snap.claimed ?? (snap.role === 'seeding' ? expected.map((_, i) => i) : [])
  expect(claimed.filter((i) => !stored.includes(i)), 'pieces the bitfield claims but IndexedDB lacks').toEqual([])
  expect(stored.filter((i) => !claimed.includes(i)), 'stored pieces the bitfield forgot').toEqual([])
  return stored.length
}

/**
 * The pid of the Chromium browser process (not a renderer) that Playwright started on
 * `userDataDir`: a child of this test process with that profile and no --type= switch.
 */
export async function browserPid(userDataDir: string): Promise<number> {
  const found: number[] = []
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const cmd = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0')
      const profile = cmd.find((a) => a.startsWith('--user-data-dir='))?.slice('--user-data-dir='.length)
      if (!profile || path.resolve(profile) !== path.resolve(userDataDir) || cmd.some((a) => a.startsWith('--type='))) continue
      const status = await readFile(`/proc/${name}/status`, 'utf8')
      if (/^PPid:\s*(\d+)$/m.exec(status)?.[1] !== String(process.pid)) continue
      found.push(Number(name))
    } catch {
      // The process ended while we looked.
    }
  }
  if (found.length !== 1) throw new Error(`expected one browser process on ${userDataDir}, found ${found.length}`)
  return found[0]!
}

/** SIGKILL `pid` and wait until it is gone (reaped by Playwright, or a zombie). */
export async function killHard(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL')
  for (let i = 0; i < 100; i++) {
    try {
      const state = /^State:\s*(\S)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]
      if (state === 'Z') return
    } catch {
      return
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`process ${pid} still runs 10 s after SIGKILL`)
}

/** Wait, as a user would, until the app in `page` is ready (file-input enabled). */
export async function appReady(page: Page): Promise<void> {
  await expect(page.locator(byTestId('file-input'))).toBeEnabled({ timeout: 30_000 })
}
