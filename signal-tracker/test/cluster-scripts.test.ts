// The cluster's announce script (cluster/scripts.ts) run directly against a real redis-server:
// what it counts, whom it offers, and that no swarm key is ever left without an expiry (a key
// without one would stay in Redis for good after its swarm is gone).

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { encodeAnnounce } from '../cluster/announce-wire'
import { connectRedis } from '../cluster/redis'
import type { RedisLink } from '../cluster/redis'
import { encodeRoute, swarmKeys } from '../cluster/wire'
import { startRedis } from './redis-helpers'
import type { TestRedis } from './redis-helpers'

const TTL = 60_000
const hex = (tag: string, n: number): string => tag + n.toString(16).padStart(40 - tag.length, '0')

let redis: TestRedis
let link: RedisLink
before(async () => {
  redis = await startRedis()
  link = connectRedis(redis.url)
  await link.ready
})
after(async () => {
  await link.close()
  await redis.stop()
})

interface Ann { ih: string; peer: string; seeder?: boolean; event?: string; pool?: number; now?: number; name?: string }

/** One announce through tsAnnounce; its reply split into counts and offered ids. */
async function announce(a: Ann): Promise<{ complete: number; incomplete: number; offered: string[] }> {
  const now = a.now ?? Date.now()
  const k = swarmKeys(a.ih)
  const packed = encodeAnnounce({
    now, expiresAt: now + TTL, id: a.peer, seeder: a.seeder ?? false, event: a.event ?? 'update', pool: a.pool ?? 0, ttlMs: TTL,
    route: encodeRoute({ node: 'n1', conn: 1, uploaded: 0, downloaded: 0, lastSeen: now, name: '' }), name: a.name,
  })
  const reply = await link.run('tsAnnounce', [k.p, k.s, k.r, k.i], [packed])
  assert.equal(typeof reply, 'string')
  const parts = (reply as string).split('\n')
  const offered: string[] = []
  for (let i = 2; i < parts.length; i += 2) offered.push(parts[i]!)
  return { complete: Number(parts[0]), incomplete: Number(parts[1]), offered }
}

const pttl = async (key: string): Promise<number> => Number(await link.command('PTTL', [key]))
const completed = async (ih: string): Promise<number> => Number((await link.command('HGET', [swarmKeys(ih).i, 'completed'])) ?? 0)

/** Every existing key of the swarm expires between one and one and an eighth lifetimes from now. */
async function assertLifetimes(ih: string, expect: ('p' | 's' | 'r' | 'i')[]): Promise<void> {
  const k = swarmKeys(ih)
  for (const name of expect) {
    const t = await pttl(k[name])
    assert.ok(t > TTL - 2000 && t <= TTL + TTL / 8, `${name}: PTTL ${t} not within one to one and an eighth lifetimes`)
  }
}

test('every swarm key gets an expiry when it is created, including the seeder set and the info hash made later', async () => {
  const ih = hex('a1', 1)
  await announce({ ih, peer: hex('b', 1) })
  await assertLifetimes(ih, ['p', 'r'])
  assert.equal(await pttl(swarmKeys(ih).s), -2, 'no seeder yet: no seeder set')
  // The key's clock runs down a little, then the peer completes: S and I are created now.
  await link.command('PEXPIRE', [swarmKeys(ih).p, TTL + 10])
  await link.command('PEXPIRE', [swarmKeys(ih).r, TTL + 10])
  await announce({ ih, peer: hex('b', 1), seeder: true, event: 'completed' })
  await assertLifetimes(ih, ['p', 's', 'r', 'i'])
  await announce({ ih, peer: hex('b', 2), name: 'film.mp4' })
  await assertLifetimes(ih, ['p', 's', 'r', 'i'])
})

test('a swarm whose keys have aged past one lifetime gets all four refreshed by the next announce', async () => {
  const ih = hex('a2', 1)
  await announce({ ih, peer: hex('b', 1), seeder: true, event: 'completed' })
  const k = swarmKeys(ih)
  for (const key of [k.p, k.s, k.r, k.i]) await link.command('PEXPIRE', [key, 5000])
  await announce({ ih, peer: hex('b', 1), seeder: true })
  await assertLifetimes(ih, ['p', 's', 'r', 'i'])
  // Young keys are left alone: a repeat announce does not push them further.
  for (const key of [k.p, k.s, k.r, k.i]) await link.command('PEXPIRE', [key, TTL + 100])
  await announce({ ih, peer: hex('b', 1), seeder: true })
  for (const key of [k.p, k.s, k.r, k.i]) assert.ok((await pttl(key)) <= TTL + 100)
})

test('completions: a leecher that turns seeder counts once, a seeder that joins with "completed" counts, a re-announce does not', async () => {
  const ih = hex('a3', 1)
  await announce({ ih, peer: hex('b', 1) })
  let c = await announce({ ih, peer: hex('b', 1), seeder: true })
  assert.deepEqual([c.complete, c.incomplete, await completed(ih)], [1, 0, 1])
  c = await announce({ ih, peer: hex('b', 1), seeder: true })
  assert.equal(await completed(ih), 1, 'a seeder re-announcing is not another completion')
  c = await announce({ ih, peer: hex('b', 2), seeder: true, event: 'completed' })
  assert.deepEqual([c.complete, c.incomplete, await completed(ih)], [2, 0, 2])
  c = await announce({ ih, peer: hex('b', 3), seeder: true })
  assert.equal(await completed(ih), 2, 'a seeder that joins without "completed" had the file already')
  c = await announce({ ih, peer: hex('b', 2) })
  assert.deepEqual([c.complete, c.incomplete], [2, 1], 'a seeder announcing left > 0 is a leecher again')
})

test('offers go to live members only, never to the announcer, and a seeder offers to leechers only', async () => {
  const ih = hex('a4', 1)
  const now = Date.now()
  await announce({ ih, peer: hex('c', 1), now: now - TTL - 1000 }) // expired by now
  for (let i = 2; i <= 4; i++) await announce({ ih, peer: hex('c', i) })
  await announce({ ih, peer: hex('c', 5), seeder: true })
  const l = await announce({ ih, peer: hex('c', 6), pool: 15 })
  assert.deepEqual(l.offered.sort(), [2, 3, 4, 5].map((i) => hex('c', i)).sort())
  const s = await announce({ ih, peer: hex('c', 7), seeder: true, pool: 15 })
  assert.deepEqual(s.offered.sort(), [2, 3, 4, 6].map((i) => hex('c', i)).sort())
})

test('a swarm with more expired members than one announce trims still counts and offers live members only', async () => {
  const ih = hex('a5', 1)
  const now = Date.now()
  for (let i = 0; i < 70; i++) await announce({ ih, peer: hex('d', i), now: now - TTL - 1000, seeder: i % 2 === 0 })
  for (let i = 100; i < 103; i++) await announce({ ih, peer: hex('d', i), now: now - 10 })
  await announce({ ih, peer: hex('d', 103), seeder: true, now: now - 10 })
  // The first announces of the live ones trimmed some of the 70; make sure some are left.
  for (let i = 0; i < 70; i++) await announce({ ih, peer: hex('e', i), now: now - TTL - 1000 })
  const live = [100, 101, 102, 103].map((i) => hex('d', i))
  const r = await announce({ ih, peer: hex('d', 104), pool: 200, now })
  assert.deepEqual([r.complete, r.incomplete], [1, 4], 'counts of live members only')
  assert.deepEqual(r.offered.sort(), live.sort(), 'no expired member is offered')
})
