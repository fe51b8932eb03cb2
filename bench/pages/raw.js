// Raw limit: ordered, reliable RTCDataChannels between pages, fixed-size sends with
// bufferedAmount flow control. Host candidates only: iceServers is empty, never public STUN.
//
// A page may hold several connections (the 1→N sender holds one per receiver), so each is kept
// under an id that both ends use; the 1→1 scenario simply uses one id.
const RTC_CONFIG = { iceServers: [] }
const DEFAULT_ID = 'raw'
/** id → { pc, channel, opened?: Promise<void> (answerer side), receiving?: { bytes, expect } } */
const conns = new Map()

function conn(id) {
  const c = conns.get(id)
  if (!c) throw new Error(`no raw connection "${id}" in this page`)
  return c
}

function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('ICE gathering did not complete in 10 s')), 10_000)
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(timer)
        resolve()
      }
    })
  })
}

function opened(dc) {
  if (dc.readyState === 'open') return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('data channel did not open in 15 s')), 15_000)
    dc.addEventListener('open', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** The receiving end: counts bytes, and says 'done' once it has the size announced first. */
function receiver(c) {
  const dc = c.channel
  dc.binaryType = 'arraybuffer'
  const receiving = { bytes: 0, expect: Infinity }
  c.receiving = receiving
  dc.onmessage = (ev) => {
    if (typeof ev.data === 'string') {
      receiving.expect = Number(ev.data)
      return
    }
    receiving.bytes += ev.data.byteLength
    if (receiving.bytes >= receiving.expect) dc.send('done')
  }
}

function description(pc) {
  return { type: pc.localDescription.type, sdp: pc.localDescription.sdp }
}

window.rawOffer = async (id = DEFAULT_ID) => {
  const pc = new RTCPeerConnection(RTC_CONFIG)
  const channel = pc.createDataChannel('bench', { ordered: true })
  channel.binaryType = 'arraybuffer'
  conns.set(id, { pc, channel })
  await pc.setLocalDescription(await pc.createOffer())
  await gathered(pc)
  return description(pc)
}

window.rawAnswer = async (offer, id = DEFAULT_ID) => {
  const pc = new RTCPeerConnection(RTC_CONFIG)
  const c = { pc, channel: null }
  conns.set(id, c)
  const got = new Promise((resolve) => {
    pc.ondatachannel = (ev) => {
      c.channel = ev.channel
      receiver(c)
      resolve()
    }
  })
  await pc.setRemoteDescription(offer)
  await pc.setLocalDescription(await pc.createAnswer())
  await gathered(pc)
  c.opened = got.then(() => opened(c.channel))
  return description(pc)
}

window.rawAccept = async (answer, id = DEFAULT_ID) => {
  const c = conn(id)
  await c.pc.setRemoteDescription(answer)
  await opened(c.channel)
}

/** Answerer side: resolves once the offerer's channel has arrived and is open. */
window.rawOpened = (id = DEFAULT_ID) => conn(id).opened

function randomChunk(msgSize) {
  const chunk = new Uint8Array(msgSize)
  // getRandomValues fills at most 64 KiB per call
  for (let i = 0; i < msgSize; i += 65536) crypto.getRandomValues(chunk.subarray(i, Math.min(msgSize, i + 65536)))
  return chunk
}

/**
 * Announces `total` on channel `dc` and returns a function that sends it, keeping
 * bufferedAmount between lowWater and highWater, and resolves when the receiver says 'done'.
 * Announcing first and sending later lets the 1→N sender start every channel at one instant.
 */
function prepareSend(dc, chunk, total, lowWater, highWater) {
  const msgSize = chunk.byteLength
  dc.bufferedAmountLowThreshold = lowWater
  const done = new Promise((resolve) => {
    dc.onmessage = (ev) => {
      if (ev.data === 'done') resolve()
    }
  })
  dc.send(String(total))
  return async () => {
    let sent = 0
    while (sent < total) {
      while (sent < total && dc.bufferedAmount < highWater) {
        const n = Math.min(msgSize, total - sent)
        dc.send(n === msgSize ? chunk : chunk.subarray(0, n))
        sent += n
      }
      if (sent < total) {
        await new Promise((resolve) => {
          dc.onbufferedamountlow = () => {
            dc.onbufferedamountlow = null
            resolve()
          }
        })
      }
    }
    await done
  }
}

/** Sends `total` bytes in `msgSize` messages; resolves with the ms until the receiver has them all. */
window.rawSend = async (total, msgSize, lowWater, highWater, id = DEFAULT_ID) => {
  const send = prepareSend(conn(id).channel, randomChunk(msgSize), total, lowWater, highWater)
  const t0 = performance.now()
  await send()
  return performance.now() - t0
}

/**
 * Sends `total` bytes on each of the channels `ids` at once (each its own flow control, as in
 * rawSend); resolves with the ms until the last receiver has all, and each one's ms.
 */
window.rawSendMany = async (ids, total, msgSize, lowWater, highWater) => {
  const chunk = randomChunk(msgSize)
  const sends = ids.map((id) => prepareSend(conn(id).channel, chunk, total, lowWater, highWater))
  const t0 = performance.now()
  const each = await Promise.all(sends.map((send) => send().then(() => performance.now() - t0)))
  return { ms: performance.now() - t0, each }
}

/** Closes connection `id`, or every connection of the page when no id is given. */
window.rawClose = (id) => {
  for (const [key, c] of conns) {
    if (id !== undefined && key !== id) continue
    try { c.channel?.close() } catch {}
    try { c.pc.close() } catch {}
    conns.delete(key)
  }
}
