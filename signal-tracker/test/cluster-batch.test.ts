// Announces leave a cluster node for Redis in one script call per event-loop turn.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InFlight } from '../backpressure'
import { AnnounceBatcher, MAX_BATCH } from '../cluster/announce-batch'
import type { QueuedAnnounce } from '../cluster/announce-batch'
import type { Arg, RedisLink } from '../cluster/redis'

interface Call { script: string; keys: string[]; args: Arg[]; answer(reply: unknown): void; refuse(): void }

function fakeLink(): { link: RedisLink; calls: Call[] } {
  const calls: Call[] = []
  const link = {
    inFlight: new InFlight(1000, 10),
    run(script: string, keys: string[], args: Arg[]): Promise<unknown> {
      return new Promise((resolve, reject) => calls.push({ script, keys, args, answer: resolve, refuse: () => reject(new Error('down')) }))
    },
    atTurnEnd: (fn: () => void) => setImmediate(fn),
  } as unknown as RedisLink
  return { link, calls }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r))

function announce(n: number, log: string[]): QueuedAnnounce {
  return { keys: [`p${n}`, `s${n}`, `r${n}`, `i${n}`], args: [n], done: (r) => log.push(`${n}:${JSON.stringify(r)}`), fail: () => log.push(`${n}:failed`) }
}

test('the announces of one turn go in one call, each gets its own reply, in order', async () => {
  const { link, calls } = fakeLink()
  const b = new AnnounceBatcher(link)
  const log: string[] = []
  for (let i = 0; i < 3; i++) b.add(announce(i, log))
  assert.equal(link.inFlight.count, 3, 'counted in flight as soon as queued')
  assert.equal(calls.length, 0, 'sent when the turn is done')
  await turn()
  assert.equal(calls.length, 1)
  assert.equal(calls[0]!.script, 'tsAnnounceMany')
  assert.deepEqual(calls[0]!.keys, ['p0', 's0', 'r0', 'i0', 'p1', 's1', 'r1', 'i1', 'p2', 's2', 'r2', 'i2'])
  assert.deepEqual(calls[0]!.args, [0, 1, 2])
  calls[0]!.answer([[1, 0], [2, 0], [3, 0]])
  await turn()
  assert.deepEqual(log, ['0:[1,0]', '1:[2,0]', '2:[3,0]'])
  assert.equal(link.inFlight.count, 0)
})

test(`a batch holds at most ${MAX_BATCH}; a lone announce goes as tsAnnounce`, async () => {
  const { link, calls } = fakeLink()
  const b = new AnnounceBatcher(link)
  const log: string[] = []
  for (let i = 0; i < MAX_BATCH + 1; i++) b.add(announce(i, log))
  await turn()
  assert.deepEqual(calls.map((c) => [c.script, c.keys.length / 4]), [['tsAnnounceMany', MAX_BATCH], ['tsAnnounce', 1]])
  calls[1]!.answer([5, 6])
  await turn()
  assert.deepEqual(log, [`${MAX_BATCH}:[5,6]`])
})

test('a failed call or a reply of the wrong length fails every announce of the batch', async () => {
  const { link, calls } = fakeLink()
  const b = new AnnounceBatcher(link)
  const log: string[] = []
  b.add(announce(0, log))
  b.add(announce(1, log))
  await turn()
  calls[0]!.answer([[1, 0]])
  b.add(announce(2, log))
  b.add(announce(3, log))
  await turn()
  calls[1]!.refuse()
  await turn()
  assert.deepEqual(log, ['0:failed', '1:failed', '2:failed', '3:failed'])
  assert.equal(link.inFlight.count, 0)
})
