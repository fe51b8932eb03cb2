// Issue 10, point 3: .torrent files out (torrent-file) and in (torrent-input, a drop on the link
// box), and the bad ones a user may hand us.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import bencode from 'bencode'
import parseTorrent from 'parse-torrent'
import { appError, expect, makeRandomFile, saveAndHash, shareFiles, test, torrentOf, torrents, waitForState } from './fixtures'
import { appNotice, dropFiles, exportTorrentFile, knownInfohashes, waitForNewTorrent } from './share-helpers'

test('an exported .torrent opened in a fresh browser downloads identical; parse-torrent reads it; a drop on the link box opens it too', async ({ peer, baseURL, tmpDir }) => {
  const files = [await makeRandomFile(tmpDir, 'one.bin', 300 * 1024 + 7), await makeRandomFile(tmpDir, 'two.txt', 5_000)]
  const seeder = await peer('seeder')
  const { infohash } = await shareFiles(seeder.page, files.map((f) => f.path))
  const name = await torrentOf(seeder.page, infohash).getAttribute('data-name')

  const exported = await exportTorrentFile(seeder.page, infohash)
  expect(exported.name).toBe(`${name}.torrent`)
  const parsed = await parseTorrent(exported.bytes)
  expect(parsed.infoHash).toBe(infohash)
  expect(parsed.name).toBe(name)
  const ourTracker = `ws://${new URL(baseURL!).host}/announce`
  expect(parsed.announce).toEqual([ourTracker])
  const saved = path.join(tmpDir, exported.name)
  await writeFile(saved, exported.bytes)

  const friend = await peer('friend')
  await friend.page.getByTestId('torrent-input').setInputFiles(saved)
  await waitForState(friend.page, infohash, 'seeding', 120_000)
  await expect(torrentOf(friend.page, infohash)).toHaveAttribute('data-name', name!)
  for (const f of files) expect(await saveAndHash(friend.page, infohash, f.name), f.name).toBe(f.sha256)
  await expect(appError(friend.page)).toHaveCount(0)

  const other = await peer('other')
  await dropFiles(other.page, other.page.getByTestId('link-input'), [{ name: exported.name, bytes: exported.bytes, type: 'application/x-bittorrent' }])
  await waitForState(other.page, infohash, 'seeding', 120_000)
})

/** A valid v1 info dict of one 40 000-byte file whose pieces nobody has. */
function infoDict(name: string): Record<string, unknown> {
  return { name, 'piece length': 16384, length: 40_000, pieces: new Uint8Array(60).fill(1) }
}

test('bad .torrent files: not a torrent, no WebSocket tracker, v2-only and hybrid each say so', async ({ peer, baseURL, tmpDir }) => {
  const page = (await peer('user')).page
  const input = page.getByTestId('torrent-input')
  const write = async (name: string, bytes: Uint8Array | string) => {
    const p = path.join(tmpDir, name)
    await writeFile(p, bytes)
    return p
  }

  // A text file named .torrent: a message, and nothing else changes.
  await input.setInputFiles(await write('notes.torrent', 'just some notes, not a torrent\n'))
  await expect(appError(page)).toContainText('"notes.torrent" is not a .torrent file')
  await expect(torrents(page)).toHaveCount(0)
  // The same through a drop on the link box.
  await dropFiles(page, page.getByTestId('link-input'), [{ name: 'photo.jpg', bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) }])
  await expect(appError(page)).toContainText('"photo.jpg" is not a .torrent file')
  await expect(torrents(page)).toHaveCount(0)

  // Only UDP and HTTP trackers, which a browser cannot reach: it starts on our tracker and says so.
  const udpOnly = bencode.encode({ announce: 'udp://tracker.example:1337/announce', 'announce-list': [['udp://tracker.example:1337/announce'], ['http://tracker.example/announce']], info: infoDict('udp only.bin') })
  const before = await knownInfohashes(page)
  await input.setInputFiles(await write('udp-only.torrent', udpOnly))
  const ih = await waitForNewTorrent(page, before)
  await expect(appNotice(page)).toContainText("names no WebSocket tracker (its 2 UDP/HTTP trackers cannot be reached from a browser): using this site's tracker")
  await expect(appError(page)).toHaveCount(0)
  const row = torrentOf(page, ih)
  await expect(row).toHaveAttribute('data-name', 'udp only.bin')
  await expect(row).toHaveAttribute('data-state', 'downloading')
  const magnet = await row.getByTestId('share-link').inputValue()
  expect(new URLSearchParams(magnet.slice('magnet:?'.length)).getAll('tr')).toEqual([`ws://${new URL(baseURL!).host}/announce`])

  // BitTorrent v2 (BEP 52): refused with a clear "not supported", nothing added.
  const fileTree = { 'a.bin': { '': { length: 40_000, 'pieces root': new Uint8Array(32) } } }
  const v2 = { name: 'v2.bin', 'piece length': 16384, 'meta version': 2, 'file tree': fileTree }
  await input.setInputFiles(await write('v2.torrent', bencode.encode({ announce: 'wss://t.example/announce', info: v2 })))
  await expect(appError(page)).toContainText('v2-only torrent, which Tabswarm does not support')
  await input.setInputFiles(await write('hybrid.torrent', bencode.encode({ announce: 'wss://t.example/announce', info: { ...v2, ...infoDict('hybrid.bin') } })))
  await expect(appError(page)).toContainText('hybrid BitTorrent v1+v2 torrent, which Tabswarm does not support')
  await expect(torrents(page)).toHaveCount(1)
})
