// Sends respect the remote's maximum message size (Firefox, Chromium and Safari differ; see
// rtc.ts): a peer that accepts 64 KiB never gets a bigger message, and the stream is intact.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WireDecoder, encodeHandshake, type WireMessage } from '../../shared/wire'
import type { PeerChannel } from '../src/lib/engine/rtc'
import { MAX_SEND, WireSession } from '../src/lib/engine/wire-session'

function recordingChannel(maxMessageSize?: number): PeerChannel & { sent: Uint8Array[] } {
  const sent: Uint8Array[] = []
  return {
    sent,
    bufferedAmount: 0,
    ...(maxMessageSize === undefined ? {} : { maxMessageSize }),
    send: (d) => void sent.push(d.slice()),
    onData() {},
    onDrain() {},
    onClose() {},
    close() {},
  }
}

async function sendBlocks(channel: PeerChannel & { sent: Uint8Array[] }, blocks: number): Promise<void> {
  const session = new WireSession(channel, { handshake() {}, message() {}, drain() {}, close() {} })
  for (let i = 0; i < blocks; i++) session.sendPiece(0, i * 16384, new Uint8Array(16384).fill(i & 0xff))
  // The remainder goes in a later task: wait for every byte (13-byte header + block each), not
  // for a fixed time, which a busy machine overruns.
  const want = blocks * (13 + 16384)
  const sent = channel.sent
  for (const until = Date.now() + 5000; Date.now() < until; ) {
    if (sent.reduce((n, s) => n + s.byteLength, 0) >= want) return
    await new Promise((r) => setTimeout(r, 10))
  }
}

test('sends stay within a remote maximum smaller than ours, and the stream decodes', async () => {
  const channel = recordingChannel(64 * 1024)
  await sendBlocks(channel, 40)
  assert.ok(channel.sent.length > 0)
  assert.ok(channel.sent.every((s) => s.byteLength <= 64 * 1024), `sizes ${channel.sent.map((s) => s.byteLength).join(',')}`)
  const got: WireMessage[] = []
  const decoder = new WireDecoder({ handshake() {}, message: (m) => got.push(m) })
  // A session's stream starts with the peer's handshake; these tests send none of ours.
  decoder.push(encodeHandshake({ infoHash: 'a'.repeat(40), peerId: 'b'.repeat(40), extensions: false }))
  for (const s of channel.sent) decoder.push(s)
  assert.equal(got.length, 40)
  got.forEach((m, i) => {
    assert.equal(m.type, 'piece')
    if (m.type === 'piece') assert.equal(m.block[0], i & 0xff)
  })
})

test('a remote accepting more (Firefox: 1 GiB) still gets at most MAX_SEND per message', async () => {
  const channel = recordingChannel(1073741823)
  await sendBlocks(channel, 40)
  assert.ok(channel.sent.every((s) => s.byteLength <= MAX_SEND))
  assert.equal(Math.max(...channel.sent.map((s) => s.byteLength)), MAX_SEND)
})
