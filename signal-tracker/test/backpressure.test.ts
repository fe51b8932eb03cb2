// A cluster node under a flood: frames wait unparsed while too many Redis calls are in flight,
// are handled in arrival order as the calls return, and none is lost.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InFlight, Intake } from '../backpressure'
import { TestClient, announce, id, isAnnounceResponse, isFailure, startTracker } from './helpers'
import { startRedis } from './redis-helpers'

/** A promise settled by hand. */
function manual(): { p: Promise<void>; resolve: () => void; reject: () => void } {
  let resolve!: () => void
  let reject!: () => void
  const p = new Promise<void>((res, rej) => { resolve = res; reject = rej })
  p.catch(() => {})
  return { p, resolve, reject }
}
const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

test('in flight: full from `high` calls until back down to `low`, whether calls succeed or fail', async () => {
  const f = new InFlight(4, 1)
  const calls = Array.from({ length: 4 }, () => manual())
  calls.slice(0, 3).forEach((c) => f.track(c.p))
  assert.equal(f.full, false)
  f.track(calls[3]!.p)
  assert.equal(f.full, true)
  let relieved = 0
  f.onRelief(() => relieved++)
  calls[0]!.resolve()
  calls[1]!.reject()
  await tick()
  assert.equal(f.count, 2)
  assert.equal(f.full, true, 'still above low')
  assert.equal(relieved, 0)
  calls[2]!.resolve()
  await tick()
  assert.equal(f.full, false)
  assert.equal(relieved, 1)
  f.onRelief(() => relieved++)
  assert.equal(relieved, 2, 'runs at once when not full')
})

test('intake: handled at once with room, queued in order when full, the queue bounded', async () => {
  const f = new InFlight(2, 0)
  const handled: number[] = []
  const pending: ReturnType<typeof manual>[] = []
  // Every item makes one backend call, as an announce does.
  const intake = new Intake<number>(f, (n) => {
    handled.push(n)
    const c = manual()
    pending.push(c)
    f.track(c.p)
  }, 3)
  let drained = 0
  intake.drained = () => drained++
  assert.equal(intake.offer(1), true)
  assert.equal(intake.offer(2), true)
  assert.deepEqual(handled, [1, 2])
  assert.equal(intake.offer(3), true)
  assert.equal(intake.offer(4), true)
  assert.equal(intake.offer(5), true)
  assert.equal(intake.offer(6), false, 'past maxQueued: the caller stops reading')
  assert.equal(intake.queued, 4)
  for (const c of pending.splice(0)) c.resolve()
  await tick()
  assert.deepEqual(handled, [1, 2, 3, 4], 'two more handled, in order, until full again')
  assert.equal(drained, 0)
  for (const c of pending.splice(0)) c.resolve()
  await tick()
  assert.deepEqual(handled, [1, 2, 3, 4, 5, 6])
  assert.equal(drained, 1, 'told once the queue is empty')
  assert.equal(intake.queued, 0)
})

test('a cluster node flooded with 1,500 announces at once answers every one with the right counts', async () => {
  const redis = await startRedis()
  const t = await startTracker({ redisUrl: redis.url, maxConnPerIp: 10_000 })
  const clients: TestClient[] = []
  try {
    const SWARMS = 15
    const PER_SWARM = 100
    for (let i = 0; i < SWARMS * PER_SWARM; i++) clients.push(await TestClient.connect(t.wsUrl))
    // Every peer announces in the same moment: far more than the 256 calls a node keeps in flight.
    clients.forEach((c, i) => c.send(announce(id(`flood-swarm-${i % SWARMS}`), id(`flood-peer-${i}`), { event: 'started', left: 0 })))
    const replies = await Promise.all(clients.map((c) => c.next((f) => isAnnounceResponse(f) || isFailure(f), 30_000)))
    assert.equal(replies.filter(isFailure).length, 0, 'no announce refused')
    // Each swarm ends up with all its 100 seeders, whatever order the announces were handled in.
    const last = new Map<number, number>()
    for (const [i, r] of replies.entries()) last.set(i % SWARMS, Math.max(last.get(i % SWARMS) ?? 0, r.complete as number))
    assert.deepEqual([...last.values()], Array(SWARMS).fill(PER_SWARM))
  } finally {
    await Promise.all(clients.map((c) => c.close()))
    await t.close()
    await redis.stop()
  }
})
