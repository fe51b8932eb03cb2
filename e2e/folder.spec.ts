// Issue 10, point 4: a folder shared from folder-input or dropped on the share zone becomes one
// torrent named after it, with its subfolders as paths.
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { appError, expect, makeRandomFile, openMagnet, readShareLink, saveAndHash, savePaths, test, torrentOf, torrents, waitForState, type TestFile } from './fixtures'
import { appNotice, knownInfohashes, waitForNewTorrent } from './share-helpers'

test('a folder with subfolders shares as one torrent named after it; paths kept; each file saves identical elsewhere', async ({ peer, tmpDir }) => {
  const root = path.join(tmpDir, 'album')
  const files: [string, TestFile][] = [
    ['cover.jpg', await makeRandomFile(root, 'cover.jpg', 200_001)],
    ['disc 1/01 intro.bin', await makeRandomFile(path.join(root, 'disc 1'), '01 intro.bin', 300 * 1024)],
    ['disc 1/extras/notes.txt', await makeRandomFile(path.join(root, 'disc 1', 'extras'), 'notes.txt', 999)],
  ]
  await writeFile(path.join(root, 'disc 1', '.keep'), '') // an empty file: left out, and said so

  const seeder = await peer('seeder')
  const before = await knownInfohashes(seeder.page)
  await seeder.page.getByTestId('folder-input').setInputFiles(root)
  const infohash = await waitForNewTorrent(seeder.page, before)
  await waitForState(seeder.page, infohash, 'seeding')
  await expect(torrentOf(seeder.page, infohash)).toHaveAttribute('data-name', 'album')
  await expect(appNotice(seeder.page)).toContainText('Left out 1 empty file')
  expect(await savePaths(seeder.page, infohash)).toEqual(files.map(([p]) => p))

  const friend = await peer('friend')
  await openMagnet(friend.page, await readShareLink(torrentOf(seeder.page, infohash)))
  await waitForState(friend.page, infohash, 'seeding', 120_000)
  expect(await savePaths(friend.page, infohash)).toEqual(files.map(([p]) => p))
  for (const [p, f] of files) expect(await saveAndHash(friend.page, infohash, p), p).toBe(f.sha256)
})

test('an empty folder, or one with only empty files, says there is nothing to share', async ({ peer, tmpDir }) => {
  const empties = path.join(tmpDir, 'empties')
  await mkdir(path.join(empties, 'sub'), { recursive: true })
  await writeFile(path.join(empties, 'a.txt'), '')
  await writeFile(path.join(empties, 'sub', 'b.txt'), '')
  const page = (await peer('user')).page
  await page.getByTestId('folder-input').setInputFiles(empties)
  await expect(appError(page)).toContainText('The folder "empties" holds only empty files (0 bytes): there is nothing to share')

  const empty = path.join(tmpDir, 'nothing here')
  await mkdir(empty)
  await page.getByTestId('folder-input').setInputFiles(empty)
  await expect(appError(page)).toContainText('is empty: there is nothing to share')
  await expect(torrents(page)).toHaveCount(0)
})

test('a folder dropped on the share zone is walked, subfolders and all', async ({ peer, tmpDir }) => {
  const root = path.join(tmpDir, 'dropped')
  const a = await makeRandomFile(root, 'a.bin', 50_000)
  const b = await makeRandomFile(path.join(root, 'inner', 'deep'), 'b.bin', 70_000)
  const { page } = await peer('user')
  const zone = page.getByTestId('drop-zone')
  const box = (await zone.boundingBox())!
  // A real OS drag of the folder, through the DevTools protocol: Chromium builds the
  // DataTransfer (and its directory entries) from the dropped path itself.
  const cdp = await page.context().newCDPSession(page)
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 }
  const data = { items: [], files: [root], dragOperationsMask: 1 }
  const before = await knownInfohashes(page)
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const) await cdp.send('Input.dispatchDragEvent', { type, ...at, data })
  const infohash = await waitForNewTorrent(page, before)
  await waitForState(page, infohash, 'seeding')
  await expect(torrentOf(page, infohash)).toHaveAttribute('data-name', 'dropped')
  expect(await savePaths(page, infohash)).toEqual(['a.bin', 'inner/deep/b.bin'])
  expect(await saveAndHash(page, infohash, 'inner/deep/b.bin')).toBe(b.sha256)
  expect(await saveAndHash(page, infohash, 'a.bin')).toBe(a.sha256)
})
