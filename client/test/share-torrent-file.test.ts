import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import parseTorrent from 'parse-torrent'
import { bencodeEncode } from '../../shared/bencode'
import { sha1Hex } from '../../shared/binary'
import { buildInfo } from '../../shared/torrent'
import { decodeTorrentFile, encodeTorrentFile, TorrentFileError } from '../src/lib/files/torrent-file'

const TRACKER = 'ws://127.0.0.1:8000/announce'

async function sampleInfo() {
  return buildInfo({
    name: 'album',
    files: [
      { path: 'a.bin', length: 20_000 },
      { path: 'sub/b.bin', length: 15_000 },
    ],
    pieceLength: 16384,
    pieceHashes: new Uint8Array(20 * 3).fill(7),
  })
}

const rejects = (bytes: unknown, pattern: RegExp) =>
  assert.rejects(decodeTorrentFile(bytes, '"x.torrent"'), (e: unknown) => e instanceof TorrentFileError && pattern.test(e.message))

describe('.torrent files', () => {
  it('round-trips: same info hash, name, files and trackers; parse-torrent agrees', async () => {
    const info = await sampleInfo()
    const file = encodeTorrentFile(info.infoBytes, [TRACKER, 'wss://t.example/announce'])
    const opened = await decodeTorrentFile(file)
    assert.equal(opened.info.infoHash, info.infoHash)
    assert.deepEqual(opened.info.files.map((f) => f.path), ['a.bin', 'sub/b.bin'])
    assert.deepEqual(opened.trackers, [TRACKER, 'wss://t.example/announce'])
    const ref = await parseTorrent(file)
    assert.equal(ref.infoHash, info.infoHash)
    assert.equal(ref.name, 'album')
    assert.deepEqual(ref.announce, [TRACKER, 'wss://t.example/announce'])
  })

  it('hashes the info dict as written, even with keys out of order', async () => {
    const info = await sampleInfo()
    // The same dict with "piece length" before "name": valid bencode for us, another info hash.
    const text = new TextDecoder('latin1').decode(info.infoBytes)
    const swapped = text.replace(/(4:name5:album)(12:piece lengthi16384e)/, '$2$1')
    assert.notEqual(swapped, text)
    const raw = Uint8Array.from(swapped, (c) => c.charCodeAt(0))
    const opened = await decodeTorrentFile(encodeTorrentFile(raw, [TRACKER]))
    assert.equal(opened.info.infoHash, await sha1Hex(raw))
    assert.notEqual(opened.info.infoHash, info.infoHash)
  })

  it('keeps only WebSocket trackers and counts the others', async () => {
    const info = await sampleInfo()
    const head = bencodeEncode({ announce: 'udp://tracker.example:1337', 'announce-list': [['udp://tracker.example:1337'], ['http://t.example/announce']] })
    const file = new Uint8Array([...head.subarray(0, head.length - 1), ...bencodeEncode('info'), ...info.infoBytes, 0x65])
    const opened = await decodeTorrentFile(file)
    assert.deepEqual(opened.trackers, [])
    assert.equal(opened.ignored, 2)
  })

  it('refuses what is not a torrent, with a message for the user', async () => {
    await rejects(new TextEncoder().encode('hello, I am a text file'), /"x.torrent" is not a \.torrent file \(its contents are not bencoded/)
    await rejects(bencodeEncode({ announce: TRACKER }), /has no info dictionary/)
    await rejects(bencodeEncode(['info']), /has no info dictionary/)
    await rejects('not bytes', /could not be read/)
    await rejects(bencodeEncode({ info: { name: 'x', 'piece length': 16384, length: 10, pieces: new Uint8Array(19) } }), /not a usable torrent: pieces has 19 bytes/)
  })

  it('says v2-only and hybrid torrents are not supported', async () => {
    const fileTree = { 'a.bin': { '': { length: 10, 'pieces root': new Uint8Array(32) } } }
    await rejects(bencodeEncode({ info: { name: 'v2', 'piece length': 16384, 'meta version': 2, 'file tree': fileTree } }), /v2-only torrent, which Tabswarm does not support/)
    await rejects(
      bencodeEncode({ info: { name: 'h', 'piece length': 16384, 'meta version': 2, 'file tree': fileTree, length: 10, pieces: new Uint8Array(20) } }),
      /hybrid BitTorrent v1\+v2 torrent, which Tabswarm does not support/,
    )
  })
})
