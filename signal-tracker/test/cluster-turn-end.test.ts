// A cluster node's writes to Redis at the end of a turn: the announce batch and the relay
// batches queued in one turn run together, in order, inside one cork of the socket.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TurnEnd } from '../cluster/turn-end'

const turn = (): Promise<void> => new Promise((r) => setImmediate(r))

test('work queued in one turn runs at its end, in order, between one cork and one uncork', async () => {
  const log: string[] = []
  const note = (what: string) => (): void => { log.push(what) }
  const socket = { cork: note('cork'), uncork: note('uncork') }
  const end = new TurnEnd(() => socket)
  end.add(note('announces'))
  end.add(note('relays to node b'))
  assert.equal(log.length, 0, 'nothing before the turn ends')
  await turn()
  assert.deepEqual(log, ['cork', 'announces', 'relays to node b', 'uncork'])
  // The next turn is a turn of its own.
  end.add(note('next'))
  await turn()
  assert.deepEqual(log.slice(4), ['cork', 'next', 'uncork'])
})

test('work still runs without a socket (Redis away: its calls then fail on their own)', async () => {
  const ran: string[] = []
  new TurnEnd(() => undefined).add(() => ran.push('ran'))
  await turn()
  assert.deepEqual(ran, ['ran'])
})
