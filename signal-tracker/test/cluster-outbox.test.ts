// The outbox (cluster/outbox.ts) sends one publish per node per turn, but never one of
// unbounded size: a burst of relays leaves in publishes of at most MAX_BATCH characters, every
// message once, in order, and a node nobody listens for hears about each of its messages.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_BATCH, Outbox } from '../cluster/outbox'
import type { RedisLink } from '../cluster/redis'
import { splitBatch } from '../cluster/wire'

function fakeLink(subscribers: number): { link: RedisLink; sent: { channel: string; payload: string }[] } {
  const sent: { channel: string; payload: string }[] = []
  const link = {
    publish: async (channel: string, payload: string) => { sent.push({ channel, payload }); return subscribers },
    atTurnEnd: (fn: () => void) => setImmediate(fn),
  } as unknown as RedisLink
  return { link, sent }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r))

test('a burst for one node leaves in several bounded publishes, every message once and in order', async () => {
  const { link, sent } = fakeLink(1)
  const box = new Outbox(link)
  let delivered = 0
  box.onDelivered = (n) => { delivered += n }
  const messages = Array.from({ length: 300 }, (_, i) => `O\n${String(i).padStart(4, '0')}` + 'x'.repeat(1000))
  for (const m of messages) box.send('n2', m, undefined, true)
  box.send('n3', 'O\nother')
  await turn()
  await turn()
  const toN2 = sent.filter((s) => s.channel === 'ts:node:n2')
  assert.ok(toN2.length >= Math.ceil((300 * 1006) / MAX_BATCH), `${toN2.length} publishes`)
  for (const s of toN2) assert.ok(s.payload.length <= MAX_BATCH, `a publish of ${s.payload.length} characters`)
  assert.deepEqual(toN2.flatMap((s) => splitBatch(s.payload)), messages)
  assert.deepEqual(sent.filter((s) => s.channel === 'ts:node:n3').map((s) => s.payload), ['O\nother'])
  assert.equal(delivered, 300)
})

test('messages for a node nobody listens for report it gone, one call per message', async () => {
  const { link } = fakeLink(0)
  const box = new Outbox(link)
  let gone = 0
  for (let i = 0; i < 200; i++) box.send('dead', 'O\n' + 'y'.repeat(1000), () => { gone++ }, true)
  await turn()
  await turn()
  assert.equal(gone, 200)
})
