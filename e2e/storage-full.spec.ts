// Running out of storage mid-download: the torrent pauses with a message, keeps what it has,
// and finishes once there is room again.
//
// The quota is played by the page itself: a script in its store worker (where piece commits
// run) makes IndexedDB refuse piece writes with QuotaExceededError, the error Chromium raises,
// once a budget is used up. Chromium's own
// quota override (DevTools `Storage.overrideQuotaForOrigin`) was tried first and proved
// unreliable: in about one run in three it never refused a write, since IndexedDB stores values
// of 64 KiB and more as separate blob files whose usage it counts late.
import { expect, makeRandomFile, openMagnet, saveAndHash, shareFiles, test, torrentOf, waitForState } from './fixtures'
import { storeWorker } from './crash-helpers'
import { attr } from './swarm-helpers'

const MiB = 1024 * 1024

interface QuotaWindow {
  /** Bytes of pieces IndexedDB still accepts; undefined = no limit. */
  __tabswarmQuota?: number
}

/** Installed in the store worker before its first commit (serialised into it: self-contained). */
function quotaScript(limit: number): void {
  const w = globalThis as unknown as QuotaWindow
  w.__tabswarmQuota = limit
  let stored = 0
  const put = IDBObjectStore.prototype.put
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (this.name === 'pieces' && w.__tabswarmQuota !== undefined) {
      const size = value instanceof Uint8Array || value instanceof ArrayBuffer ? value.byteLength : 0
      if (stored + size > w.__tabswarmQuota) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
      stored += size
    }
    return put.call(this, value, key)
  }
}

test('storage quota exceeded pauses the download with a message and keeps stored pieces', async ({ peer, tmpDir }) => {
  const file = await makeRandomFile(tmpDir, 'too-big.bin', 24 * MiB + 3)
  const seeder = await peer('seeder')
  const { infohash, magnet } = await shareFiles(seeder.page, [file.path])

  const leecher = await peer('leecher')
  const writer = await storeWorker(leecher.page)
  await writer.evaluate(quotaScript, 2 * MiB)
  await openMagnet(leecher.page, magnet)
  await waitForState(leecher.page, infohash, 'paused', 60_000)
  const row = torrentOf(leecher.page, infohash)
  await expect(row.getByTestId('torrent-error')).toContainText(/storage is full/i)
  const kept = await attr(leecher.page, infohash, 'data-progress')
  expect(kept, 'pieces stored before the quota ran out are kept').toBeGreaterThan(0)
  expect(kept).toBeLessThan(1)

  // Room again: resuming finishes the download with identical bytes.
  await writer.evaluate(() => {
    delete (globalThis as unknown as QuotaWindow).__tabswarmQuota
  })
  await row.getByRole('button', { name: 'Resume' }).click()
  await waitForState(leecher.page, infohash, 'seeding', 60_000)
  expect(await saveAndHash(leecher.page, infohash, file.name)).toBe(file.sha256)
})
