// Admin views (JSON and /dashboard), the public ICE endpoint, static files and the token.

import assert from 'node:assert/strict'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { TestClient, announce, getJson, hex, id, isAnnounceResponse, startTracker, until } from './helpers'
import type { Running } from './helpers'

const TOKEN = 's3cret-token'
const F = id('file-f')
const G = id('file-g')

describe('admin views after joins, completes and leaves', () => {
  let t: Running
  const get = (path: string, token: string | undefined = TOKEN) => getJson(`${t.url}${path}`, token)
  let alice: TestClient, bob: TestClient, carol: TestClient
  const step = async (c: TestClient, frame: Record<string, unknown>) => {
    c.send(frame)
    await c.next(isAnnounceResponse)
  }

  before(async () => {
    t = await startTracker({ adminToken: TOKEN, iceServers: [{ urls: 'turn:turn.example.test:3478', username: 'u', credential: 'c' }] })
    ;[alice, bob, carol] = await Promise.all([0, 1, 2].map(() => TestClient.connect(t.wsUrl))) as [TestClient, TestClient, TestClient]
    await step(alice, announce(F, id('alice'), { event: 'started', left: 0, peer_name: 'Alice', file_name: 'movie.mkv', file_size: 1000 }))
    await step(bob, announce(F, id('bob'), { event: 'started', left: 1000, peer_name: 'Bob', file_name: 'bogus-name-from-leecher', file_size: 1 }))
    await step(carol, announce(F, id('carol'), { event: 'started', left: 1000, peer_name: 'Carol' }))
    await step(carol, announce(G, id('carol'), { event: 'started', left: 10, file_name: 'notes.txt', file_size: 10 }))
    await step(alice, announce(F, id('alice'), { left: 0, uploaded: 600 }))
    await step(bob, announce(F, id('bob'), { left: 400, uploaded: 0, downloaded: 600 }))
    await step(bob, announce(F, id('bob'), { event: 'completed', left: 0, uploaded: 100, downloaded: 1000 }))
    await step(carol, announce(F, id('carol'), { event: 'stopped', downloaded: 0 }))
  })
  after(async () => {
    await Promise.all([alice, bob, carol].map((c) => c.close()))
    await t.close()
  })

  test('GET /api/files lists each file with name, size and counts', async () => {
    const { status, body } = await get('/api/files')
    assert.equal(status, 200)
    assert.equal(body.total, 2)
    assert.deepEqual(body.files, [
      { infoHash: hex(F), name: 'movie.mkv', size: 1000, seeders: 2, leechers: 0, completed: 1 },
      { infoHash: hex(G), name: 'notes.txt', size: 10, seeders: 0, leechers: 1, completed: 0 },
    ])
  })

  test('GET /api/files/:infoHash gives one file with its peers', async () => {
    const { status, body } = await get(`/api/files/${hex(F).toUpperCase()}`)
    assert.equal(status, 200)
    assert.equal(body.name, 'movie.mkv')
    const peers = body.peers.map((p: Record<string, unknown>) => ({ ...p, lastSeen: typeof p.lastSeen }))
    peers.sort((x: { name: string }, y: { name: string }) => x.name.localeCompare(y.name))
    assert.deepEqual(peers, [
      { id: hex(id('alice')), name: 'Alice', role: 'seeder', uploaded: 600, downloaded: 0, lastSeen: 'number' },
      { id: hex(id('bob')), name: 'Bob', role: 'seeder', uploaded: 100, downloaded: 1000, lastSeen: 'number' },
    ])
    assert.equal((await get(`/api/files/${'0'.repeat(40)}`)).status, 404)
    assert.equal((await get('/api/files/xyz')).status, 400)
  })

  test('GET /api/peers lists peers with their torrents and roles', async () => {
    const { body } = await get('/api/peers')
    assert.equal(body.total, 3)
    const byName = Object.fromEntries(body.peers.map((p: { name: string }) => [p.name, p]))
    assert.deepEqual(byName.Alice.torrents, [{ infoHash: hex(F), name: 'movie.mkv', role: 'seeder', uploaded: 600, downloaded: 0 }])
    assert.deepEqual(byName.Carol.torrents, [{ infoHash: hex(G), name: 'notes.txt', role: 'leecher', uploaded: 0, downloaded: 0 }])
    assert.equal(byName.Bob.uploaded, 100)
    assert.equal(byName.Bob.downloaded, 1000)
    assert.ok(byName.Bob.firstSeen <= byName.Bob.lastSeen)
  })

  test('GET /api/stats sums it up', async () => {
    const { body } = await get('/api/stats')
    assert.equal(body.torrents, 2)
    assert.equal(body.peers, 3)
    assert.equal(body.seeders, 2)
    assert.equal(body.leechers, 1)
    assert.equal(body.connections, 3)
    assert.equal(body.bytesUploaded, 700)
    assert.equal(body.bytesDownloaded, 1000)
    assert.equal(body.bytesReported, 1700)
    assert.equal(body.badFrames, 0)
    assert.equal(body.evictions, 0)
    assert.ok(body.announces >= 8)
  })

  test('the token is required for admin views, not for /api/ice nor /dashboard', async () => {
    assert.equal((await get('/api/stats', '')).status, 401)
    assert.equal((await get('/api/files', 'wrong')).status, 401)
    assert.equal((await get('/api/peers', TOKEN + 'x')).status, 401)
    const ice = await get('/api/ice', '')
    assert.deepEqual(ice.body, { iceServers: [{ urls: 'turn:turn.example.test:3478', username: 'u', credential: 'c' }] })
    const page = await fetch(`${t.url}/dashboard`)
    assert.equal(page.status, 200)
    const html = await page.text()
    for (const hook of ['dashboard-file', 'data-infohash', 'dashboard-peer', 'dashboard-token']) assert.ok(html.includes(hook), hook)
  })

  test('a closed socket leaves at once, emptying its swarms', async () => {
    await carol.close()
    await until(async () => (await get('/api/stats')).body.peers === 2, 1000, 'carol gone')
    const { body } = await get('/api/stats')
    assert.equal(body.torrents, 1)
    assert.equal(body.leechers, 0)
    assert.equal((await get(`/api/files/${hex(G)}`)).status, 404)
  })
})

describe('without ADMIN_TOKEN, and static files', () => {
  let t: Running
  let dir: string
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tabswarm-static-'))
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>')
    writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log(1)')
    t = await startTracker({ staticDir: dir })
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('admin views are open and /api/ice defaults to no servers', async () => {
    assert.equal((await getJson(`${t.url}/api/stats`)).status, 200)
    assert.deepEqual((await getJson(`${t.url}/api/ice`)).body, { iceServers: [] })
  })

  test('serves the built client, refuses traversal and other methods', async () => {
    const index = await fetch(`${t.url}/`)
    assert.equal(index.status, 200)
    assert.match(index.headers.get('content-type') ?? '', /text\/html/)
    assert.match(await index.text(), /<title>app/)
    const js = await fetch(`${t.url}/assets/app-1234.js`)
    assert.match(js.headers.get('content-type') ?? '', /javascript/)
    assert.match(js.headers.get('cache-control') ?? '', /immutable/)
    await js.text()
    for (const p of ['/%2e%2e/package.json', '/..%2fpackage.json', '/missing.js', '/assets/%00']) {
      assert.equal((await fetch(`${t.url}${p}`)).status, 404, p)
    }
    assert.equal((await fetch(`${t.url}/`, { method: 'POST' })).status, 405)
  })

  test('without a build, / says how to build', async () => {
    const bare = await startTracker({ staticDir: join(dir, 'nope') })
    const res = await fetch(`${bare.url}/`)
    assert.equal(res.status, 503)
    assert.match(await res.text(), /npm run build/)
    await bare.close()
  })
})
