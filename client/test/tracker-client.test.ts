// The tab's tracker socket against a real WebSocket server: it reports an unreachable tracker,
// reconnects with backoff when the tracker comes up, and routes relayed offers by info hash.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { WebSocket, WebSocketServer } from 'ws'
import { createServer, type AddressInfo } from 'node:net'
import { TrackerSocket } from '../src/lib/engine/tracker-client'
import { hexToBinaryString } from '../../shared/binary'

// Node 20 has no global WebSocket; the browser's and ws's agree on what the client uses.
;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const start = Date.now()
  return new Promise((resolve, reject) => {
    const tick = () => (cond() ? resolve() : Date.now() - start > ms ? reject(new Error('timed out')) : setTimeout(tick, 20))
    tick()
  })
}

test('reports an unreachable tracker, reconnects when it appears, and routes offers', async () => {
  const port = await freePort()
  const socket = new TrackerSocket(`ws://127.0.0.1:${port}/announce`)
  const statuses: [boolean, string | null][] = []
  const offers: string[] = []
  const infoHash = hexToBinaryString('ab'.repeat(20))
  const other = hexToBinaryString('cd'.repeat(20))
  const unsubscribe = socket.subscribe(infoHash, {
    offer: (_from, offerId) => offers.push(offerId),
    answer: () => undefined,
    announced: () => undefined,
    scraped: () => undefined,
    status: (connected, error) => statuses.push([connected, error]),
  })
  await until(() => statuses.some(([c, e]) => !c && !!e && /tracker/.test(e)))

  const server = new WebSocketServer({ host: '127.0.0.1', port })
  server.on('connection', (ws) => {
    const offer = (hash: string, id: string) =>
      JSON.stringify({ action: 'announce', info_hash: hash, peer_id: 'p'.repeat(20), offer_id: id, offer: { type: 'offer', sdp: 'v=0' } })
    ws.send(offer(other, 'x'.repeat(20))) // another torrent's: not ours to see
    ws.send('{"not json')
    ws.send(offer(infoHash, 'o'.repeat(20)))
  })
  await until(() => statuses.some(([c]) => c), 15_000)
  await until(() => offers.length === 1)
  assert.deepEqual(offers, ['o'.repeat(20)])

  unsubscribe()
  await new Promise<void>((r) => server.close(() => r()))
})
