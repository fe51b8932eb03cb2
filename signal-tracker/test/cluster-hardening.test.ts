// The hardening suite against a cluster node: every rule of the single process must hold when
// the swarms live in Redis. Each test gets an emptied Redis (FLUSHALL) and a fresh node.

import { after, before } from 'node:test'
import { hardeningSuite } from './hardening-suite'
import { startTracker } from './helpers'
import { redisCommand, startRedis } from './redis-helpers'
import type { TestRedis } from './redis-helpers'

let redis: TestRedis | undefined
before(async () => { redis = await startRedis() })
after(async () => { await redis?.stop() })

hardeningSuite('hardening, cluster node on Redis', async (opts) => {
  await redisCommand(redis!.port, 'FLUSHALL')
  return startTracker({ ...opts, redisUrl: redis!.url })
})
