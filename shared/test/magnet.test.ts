import { test } from 'node:test'
import assert from 'node:assert/strict'
import parseTorrent from 'parse-torrent'
import { formatMagnet, MagnetError, parseMagnet, type Magnet } from '../magnet'

const HASH = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a'

test('formatMagnet writes xt, dn, xl, tr with encoded values', () => {
  const link = formatMagnet({ infoHash: HASH.toUpperCase(), name: 'My file & co.txt', length: 1234, trackers: ['wss://t.example/announce?a=1&b=2', 'ws://127.0.0.1:8000'] })
  assert.equal(
    link,
    `magnet:?xt=urn:btih:${HASH}&dn=My%20file%20%26%20co.txt&xl=1234` +
      '&tr=wss%3A%2F%2Ft.example%2Fannounce%3Fa%3D1%26b%3D2&tr=ws%3A%2F%2F127.0.0.1%3A8000',
  )
  assert.equal(formatMagnet({ infoHash: HASH, trackers: [] }), `magnet:?xt=urn:btih:${HASH}`)
  assert.throws(() => formatMagnet({ infoHash: 'nope', trackers: [] }), MagnetError)
  assert.throws(() => formatMagnet({ infoHash: HASH, length: -1, trackers: [] }), MagnetError)
})

test('format → parse round trip', () => {
  const m: Magnet = { infoHash: HASH, name: 'naïve + plus/slash #hash ✓', length: 2 ** 40, trackers: ['wss://a/x', 'ws://b:1/'] }
  assert.deepEqual(parseMagnet(formatMagnet(m)), m)
})

test('parseMagnet accepts what users paste', () => {
  const link = `magnet:?xt=urn:btih:${HASH}&dn=x`
  const expected: Magnet = { infoHash: HASH, name: 'x', trackers: [] }
  assert.deepEqual(parseMagnet(`  ${link}\n`), expected)
  assert.deepEqual(parseMagnet(`#${link}`), expected)
  assert.deepEqual(parseMagnet(`http://127.0.0.1:8000/#${link}`), expected)
  assert.deepEqual(parseMagnet(`https://host/app/#${encodeURIComponent(link)}`), expected)
  assert.deepEqual(parseMagnet(`MAGNET:?XT=URN:BTIH:${HASH.toUpperCase()}&dn=x`), expected)
  assert.deepEqual(parseMagnet(HASH), { infoHash: HASH, trackers: [] })
  // Base32 info hash (older clients).
  assert.equal(parseMagnet('magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK').infoHash, HASH)
  // Numbered parameters, duplicate trackers, hybrid v1/v2 links, "+" in names.
  const m = parseMagnet(
    `magnet:?xt.1=urn:btmh:1220${'ab'.repeat(32)}&xt.2=urn:btih:${HASH}&dn=a+b%2Bc&tr=wss%3A%2F%2Fx&tr.1=wss://x&tr=udp%3A%2F%2Fy%3A1&xl=oops`,
  )
  assert.deepEqual(m, { infoHash: HASH, name: 'a b+c', trackers: ['wss://x', 'udp://y:1'] })
  // A stray % does not sink the link.
  assert.equal(parseMagnet(`magnet:?xt=urn:btih:${HASH}&dn=100%`).name, '100%')
})

test('parseMagnet errors are MagnetErrors a user can read', () => {
  const cases: [string, RegExp][] = [
    ['', /Not a magnet link/],
    ['   ', /Not a magnet link/],
    ['https://example.com/', /Not a magnet link/],
    ['http://x/#/settings', /Not a magnet link/],
    ['magnet:xt=urn:btih:' + HASH, /Not a magnet link/],
    ['magnet:?dn=hello&tr=wss://x', /no BitTorrent info hash \(xt=urn:btih:…\)/],
    ['magnet:?xt=urn:sha1:' + HASH, /no BitTorrent info hash/],
    ['magnet:?xt=urn:btih:' + HASH.slice(1), /malformed/],
    ['magnet:?xt=urn:btih:' + HASH + 'ab', /malformed/],
    ['magnet:?xt=urn:btmh:1220' + 'ab'.repeat(32), /v2-only/],
  ]
  for (const [input, message] of cases) assert.throws(() => parseMagnet(input), (err: unknown) => err instanceof MagnetError && message.test(err.message), input)
  assert.throws(() => parseMagnet(undefined as unknown as string), MagnetError)
})

test('parseMagnet agrees with parse-torrent', async () => {
  const links = [
    `magnet:?xt=urn:btih:${HASH}&dn=Big%20Buck%20Bunny&tr=wss%3A%2F%2Ftracker.webtorrent.dev&tr=wss%3A%2F%2Ftracker.openwebtorrent.com`,
    `magnet:?xt=urn:btih:${HASH.toUpperCase()}&dn=plain&xl=1024`,
    'magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK&tr=ws%3A%2F%2F127.0.0.1%3A8000',
    formatMagnet({ infoHash: HASH, name: 'Ünïcode ✓ name.mkv', length: 99, trackers: ['ws://localhost:8000/'] }),
  ]
  for (const link of links) {
    const ours = parseMagnet(link)
    const theirs = await parseTorrent(link)
    assert.equal(ours.infoHash, theirs.infoHash, link)
    assert.equal(ours.name, theirs.name, link)
    assert.deepEqual(ours.trackers, theirs.announce, link)
    if (theirs.xl !== undefined) assert.equal(ours.length, Number(theirs.xl))
  }
})
