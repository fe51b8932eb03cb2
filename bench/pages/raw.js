// Raw limit: one ordered, reliable RTCDataChannel between two pages, fixed-size sends with
// bufferedAmount flow control. Host candidates only: iceServers is empty, never public STUN.
const RTC_CONFIG = { iceServers: [] }
let pc = null
let channel = null
let receiving = null

function gathered(conn) {
  if (conn.iceGatheringState === 'complete') return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('ICE gathering did not complete in 10 s')), 10_000)
    conn.addEventListener('icegatheringstatechange', () => {
      if (conn.iceGatheringState === 'complete') {
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

function receiver(dc) {
  dc.binaryType = 'arraybuffer'
  receiving = { bytes: 0, expect: Infinity }
  dc.onmessage = (ev) => {
    if (typeof ev.data === 'string') {
      receiving.expect = Number(ev.data)
      return
    }
    receiving.bytes += ev.data.byteLength
    if (receiving.bytes >= receiving.expect) dc.send('done')
  }
}

window.rawOffer = async () => {
  pc = new RTCPeerConnection(RTC_CONFIG)
  channel = pc.createDataChannel('bench', { ordered: true })
  channel.binaryType = 'arraybuffer'
  await pc.setLocalDescription(await pc.createOffer())
  await gathered(pc)
  return { type: pc.localDescription.type, sdp: pc.localDescription.sdp }
}

window.rawAnswer = async (offer) => {
  pc = new RTCPeerConnection(RTC_CONFIG)
  const got = new Promise((resolve) => {
    pc.ondatachannel = (ev) => {
      channel = ev.channel
      receiver(channel)
      resolve()
    }
  })
  await pc.setRemoteDescription(offer)
  await pc.setLocalDescription(await pc.createAnswer())
  await gathered(pc)
  window.rawReady = got.then(() => opened(channel))
  return { type: pc.localDescription.type, sdp: pc.localDescription.sdp }
}

window.rawAccept = async (answer) => {
  await pc.setRemoteDescription(answer)
  await opened(channel)
}

/** Sends `total` bytes in `msgSize` messages; resolves with the ms until the receiver has them all. */
window.rawSend = async (total, msgSize, lowWater, highWater) => {
  const dc = channel
  const chunk = new Uint8Array(msgSize)
  for (let i = 0; i < msgSize; i += 65536) crypto.getRandomValues(chunk.subarray(i, Math.min(msgSize, i + 65536)))
  dc.bufferedAmountLowThreshold = lowWater
  const done = new Promise((resolve) => {
    dc.onmessage = (ev) => {
      if (ev.data === 'done') resolve()
    }
  })
  dc.send(String(total))
  const t0 = performance.now()
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
  return performance.now() - t0
}

window.rawClose = () => {
  try { channel?.close() } catch {}
  try { pc?.close() } catch {}
}
