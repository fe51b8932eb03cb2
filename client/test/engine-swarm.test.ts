// The engine end to end in Node: real wire bytes over in-memory channels, real SHA-1 checks.
import { afterEach, test } from 'node:test'
import assert from 'node:assert/strict'
import { assembled, channelPair, connect, destroyAll, makeNode, makeTorrent } from './engine-harness'
import { MESSAGE_ID } from '../../shared/wire'

afterEach(destroyAll)

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<T>((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms)))
  try {
    return await Promise.race([p, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves once `cond` holds; rejects after `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/**
 * A tamper for a lying seeder: follows the BEP 3 stream across sends (coalesced sends split
 * messages anywhere) and flips the first byte of every piece block.
 */
function corruptEveryBlock(): (d: Uint8Array) => Uint8Array {
  let handshake = 68
  let head: number[] = []
  let length = 0
  let body = 0
  let flip = false
  return (d) => {
    for (let i = 0; i < d.length; ) {
      if (handshake > 0 || body > 0) {
        if (handshake === 0 && flip) {
          d[i] = d[i]! ^ 0xff
          flip = false
        }
        const n = Math.min(handshake || body, d.length - i)
        if (handshake > 0) handshake -= n
        else body -= n
        i += n
        continue
      }
      head.push(d[i++]!)
      if (head.length === 4) {
        length = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0
        if (length === 0) head = []
      } else if (head.length === 5 && head[4] !== MESSAGE_ID.piece) {
        body = length - 1
        head = []
      } else if (head.length === 13) {
        body = length - 9
        flip = body > 0
        head = []
      }
    }
    return d
  }
}

test('a magnet-only leecher fetches metadata over ut_metadata and downloads identical bytes', async () => {
  const { bytes, info, store, full } = await makeTorrent(1_234_567, 16384 * 4)
  const seeder = makeNode(info.infoHash, info, full, store)
  const leecher = makeNode(info.infoHash, null, null)
  connect(seeder, leecher)
  await within(leecher.completed, 20_000, 'download')
  assert.equal(leecher.torrent.state, 'seeding')
  assert.equal(leecher.torrent.info?.infoHash, info.infoHash)
  assert.deepEqual(assembled(leecher.store, info), bytes)
})

test('two magnet-only leechers that met before either had the metadata: the one that reaches no seeder still gets it from the other', async () => {
  const { bytes, info, store, full } = await makeTorrent(600_000, 16384 * 2)
  const a = makeNode(info.infoHash, null, null)
  const b = makeNode(info.infoHash, null, null)
  connect(a, b) // both say "no metadata_size" in their extension handshakes
  await new Promise((r) => setTimeout(r, 50))
  const seeder = makeNode(info.infoHash, info, full, store)
  connect(seeder, a) // only a reaches the seeder
  await within(Promise.all([a.completed, b.completed]), 20_000, 'both downloads')
  assert.equal(b.torrent.info?.infoHash, info.infoHash)
  assert.deepEqual(assembled(b.store, info), bytes)
})

test('leechers fetch from two seeders and from each other', async () => {
  const { bytes, info, store, full } = await makeTorrent(2_000_000, 32768)
  const s1 = makeNode(info.infoHash, info, full, store)
  const s2 = makeNode(info.infoHash, info, full, store)
  const a = makeNode(info.infoHash, info, null)
  const b = makeNode(info.infoHash, info, null)
  connect(s1, a)
  connect(s2, a)
  connect(s1, b)
  connect(a, b)
  await within(Promise.all([a.completed, b.completed]), 30_000, 'both downloads')
  assert.deepEqual(assembled(a.store, info), bytes)
  assert.deepEqual(assembled(b.store, info), bytes)
  assert.ok(s1.torrent.uploaded > 0 && s2.torrent.uploaded > 0, 'both seeders served')
})

test('a peer sending corrupt blocks is banned and the download still completes correctly', async () => {
  const { bytes, info, store, full } = await makeTorrent(600_000, 16384 * 2)
  const honest = makeNode(info.infoHash, info, full, store)
  const liar = makeNode(info.infoHash, info, full, store)
  const leecher = makeNode(info.infoHash, info, null)
  const [liarSide] = connect(liar, leecher)
  liarSide.tamper = corruptEveryBlock()
  // The honest seeder arrives once the liar is banned: sends are coalesced, so how many pieces
  // the liar alone serves before a fixed delay depends on the machine's load, and a piece two
  // peers served strikes each only once.
  const liarId = Buffer.from(liar.peerId).toString('hex')
  await until(() => leecher.torrent.banned.has(liarId), 10_000, 'liar banned')
  connect(honest, leecher)
  await within(leecher.completed, 30_000, 'download despite the liar')
  assert.deepEqual(assembled(leecher.store, info), bytes)
  assert.ok(leecher.torrent.banned.has(liarId), 'liar stays banned')
  assert.ok(!leecher.torrent.banned.has(Buffer.from(honest.peerId).toString('hex')), 'honest peer not banned')
})

test('metadata that does not match the info hash is rejected and another peer is asked', async () => {
  const real = await makeTorrent(300_000, 16384 * 2)
  const fake = await makeTorrent(300_000, 16384 * 2)
  // The liar claims the real info hash but serves the other torrent's info dictionary.
  const liar = makeNode(real.info.infoHash, fake.info, fake.full, fake.store)
  const honest = makeNode(real.info.infoHash, real.info, real.full, real.store)
  const leecher = makeNode(real.info.infoHash, null, null)
  connect(liar, leecher)
  setTimeout(() => connect(honest, leecher), 200)
  await within(leecher.completed, 20_000, 'download after rejecting bad metadata')
  assert.equal(leecher.torrent.info?.infoHash, real.info.infoHash)
  assert.deepEqual(assembled(leecher.store, real.info), real.bytes)
})

test('a peer leaving mid-transfer hands its blocks to the others at once', async () => {
  const { bytes, info, store, full } = await makeTorrent(3_000_000, 65536)
  const s1 = makeNode(info.infoHash, info, full, store)
  const s2 = makeNode(info.infoHash, info, full, store)
  const leecher = makeNode(info.infoHash, info, null)
  const [, leecherSide] = connect(s1, leecher)
  connect(s2, leecher)
  // Drop the first seeder as soon as a few pieces have arrived.
  const poll = setInterval(() => {
    if (leecher.store.writes >= 5) {
      clearInterval(poll)
      leecherSide.close()
    }
  }, 1)
  await within(leecher.completed, 20_000, 'download after a seeder left')
  clearInterval(poll)
  assert.equal(leecher.torrent.peers.size, 1)
  assert.deepEqual(assembled(leecher.store, info), bytes)
})

test('two of our peers that offered to each other at once keep the same one of their two connections', async () => {
  const { bytes, info, store, full } = await makeTorrent(1_000_000, 32768)
  const a = makeNode(info.infoHash, info, null)
  const b = makeNode(info.infoHash, info, null)
  const hex = (id: Uint8Array) => Buffer.from(id).toString('hex')
  // Connection 1 is a's offer, connection 2 is b's; each opens first on the side that made it,
  // and a close takes a moment to reach the other side (as over the network).
  const [a1, b1] = channelPair(0, 20)
  const [a2, b2] = channelPair(0, 20)
  a.torrent.attach(a1, hex(b.peerId), 'b', true)
  b.torrent.attach(b2, hex(a.peerId), 'a', true)
  a.torrent.attach(a2, hex(b.peerId), 'b', false)
  b.torrent.attach(b1, hex(a.peerId), 'a', false)
  await new Promise((r) => setTimeout(r, 50))
  assert.equal(a1.closed, b1.closed, 'both sides kept or closed connection 1')
  assert.equal(a2.closed, b2.closed, 'both sides kept or closed connection 2')
  assert.notEqual(a1.closed, a2.closed, 'exactly one connection is left')
  // Only a reaches the seeder: b's whole file comes over the connection that was kept.
  const seeder = makeNode(info.infoHash, info, full, store)
  connect(seeder, a)
  await within(Promise.all([a.completed, b.completed]), 20_000, 'both downloads')
  assert.deepEqual(assembled(b.store, info), bytes)
})

test('a capped seed sends each piece about once while four leechers trade the rest', async () => {
  const MiB = 1024 * 1024
  const { bytes, info, store, full } = await makeTorrent(4 * MiB, 16384)
  const seeder = makeNode(info.infoHash, info, full, store)
  seeder.torrent['deps'].limits.up.setLimit(1024 * 1024)
  const leechers = [0, 1, 2, 3].map(() => makeNode(info.infoHash, info, null))
  for (const l of leechers) connect(seeder, l, 10)
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) connect(leechers[i]!, leechers[j]!, 10)
  await within(Promise.all(leechers.map((l) => l.completed)), 30_000, 'four leechers')
  for (const l of leechers) assert.deepEqual(assembled(l.store, info), bytes)
  assert.ok(seeder.torrent.uploaded < 1.25 * info.length, `seed sent ${seeder.torrent.uploaded} bytes for ${info.length}`)
  assert.ok(leechers.reduce((n, l) => n + l.torrent.uploaded, 0) > 2 * info.length, 'the leechers carried most of the load')
})
