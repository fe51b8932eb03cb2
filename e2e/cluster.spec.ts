// Two tracker nodes sharing swarms through one Redis, as behind a load balancer: a tab loaded
// from node A seeds, a tab loaded from node B downloads. The magnet carries no tracker, so each
// tab announces to the node it was loaded from, and every signal between them crosses nodes.
import { startRedis } from '../signal-tracker/test/redis-helpers'
import type { TestRedis } from '../signal-tracker/test/redis-helpers'
import {
  expect, makeRandomFile, openMagnet, saveAndHash, shareFiles, startTracker, test, waitForState,
} from './fixtures'
import type { StartedTracker } from './fixtures'

const MiB = 1024 * 1024

test('a tab loaded from node A seeds, a tab loaded from node B downloads byte-identical', async ({ peer, tmpDir }) => {
  const started: StartedTracker[] = []
  let redis: TestRedis | undefined
  try {
    redis = await startRedis()
    const A = await startTracker({ redisUrl: redis.url })
    started.push(A)
    const B = await startTracker({ redisUrl: redis.url })
    started.push(B)
    const file = await makeRandomFile(tmpDir, 'across-nodes.bin', 3 * MiB + 777)

    const seeder = await peer('seeder-on-A', { path: A.baseURL })
    const { infohash, magnet } = await shareFiles(seeder.page, [file.path])
    const bare = new URL(magnet)
    bare.searchParams.delete('tr')
    expect(bare.href).not.toContain(`:${A.port}`)

    const leecher = await peer('leecher-on-B', { path: B.baseURL })
    await openMagnet(leecher.page, bare.href)
    await waitForState(leecher.page, infohash, 'seeding', 120_000)
    expect(await saveAndHash(leecher.page, infohash, file.name)).toBe(file.sha256)

    // Each node held one of the two, and relayed across: A the seeder, B the leecher.
    expect(A.handle.stats().peers).toBe(1)
    expect(B.handle.stats().peers).toBe(1)
    const res = await fetch(new URL('/api/stats', B.baseURL))
    const stats = (await res.json()) as { peers: number; cluster: { redis: string; nodes: unknown[] } }
    expect(stats.cluster.redis).toBe('up')
    expect(stats.cluster.nodes).toHaveLength(2)
    // The dashboard of either node lists both nodes.
    const dash = await leecher.context.newPage()
    await dash.goto(new URL('/dashboard', A.baseURL).href)
    await expect(dash.locator('[data-testid="dashboard-node"]')).toHaveCount(2)
    await expect(dash.locator('[data-testid="dashboard-redis"]')).toContainText('Redis up')
  } finally {
    await Promise.all(started.map((t) => t.handle.close()))
    await redis?.stop()
  }
})
