// WebTorrent reference peer: the webtorrent package's own browser bundle, default store
// (OPFS through fsa-chunk-store in Chromium), our bittorrent-tracker as its only tracker.
// rtcConfig with no ICE servers: host candidates only, never WebTorrent's public STUN default.
import WebTorrent from '/webtorrent/webtorrent.min.js'

const client = new WebTorrent({
  tracker: { rtcConfig: { iceServers: [] } },
  dht: false,
  lsd: false,
  webSeeds: false,
  natUpnp: false,
  natPmp: false,
})
window.wtClient = client
client.on('error', (err) => console.error('webtorrent client error:', err.message || err))

function watch(torrent, t0, log) {
  torrent.on('error', (err) => console.error('torrent error:', err.message || err))
  torrent.on('warning', (err) => log.push(['warning', performance.now() - t0, String(err.message || err)]))
  torrent.on('wire', () => log.push(['wire', performance.now() - t0, torrent.numPeers]))
}

/** Seeds the chosen file; resolves when WebTorrent calls back (hashed and in its store). */
window.wtSeed = (announce) => {
  const file = document.getElementById('file').files[0]
  if (!file) throw new Error('no file chosen')
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    const torrent = client.seed(file, { announce: [announce] }, (t) => {
      resolve({
        ms: performance.now() - t0,
        magnet: t.magnetURI,
        infoHash: t.infoHash,
        pieceLength: t.pieceLength,
        pieces: t.pieces.length,
      })
    })
    torrent.once('error', reject)
  })
}

/** Downloads `magnet`; resolves at 'done' (every piece verified) with the phases. */
window.wtAdd = (magnet, announce) => {
  const t0 = performance.now()
  const log = []
  return new Promise((resolve, reject) => {
    const torrent = client.add(magnet, { announce: [announce] })
    watch(torrent, t0, log)
    const phases = {}
    torrent.once('error', reject)
    torrent.once('metadata', () => { phases.metadata = performance.now() - t0 })
    torrent.once('ready', () => { phases.ready = performance.now() - t0 })
    torrent.once('download', () => { phases.firstBlock = performance.now() - t0 })
    torrent.once('done', () => {
      phases.done = performance.now() - t0
      resolve({ ms: phases.done, phases, length: torrent.length, peers: torrent.numPeers, log: log.slice(0, 20) })
    })
  })
}

/** Seeds every chosen file as a torrent of its own (the `many` scenario); resolves with their magnets. */
window.wtSeedAll = (announce) => {
  const files = [...document.getElementById('file').files]
  if (files.length === 0) throw new Error('no file chosen')
  const t0 = performance.now()
  return Promise.all(
    files.map(
      (file) =>
        new Promise((resolve, reject) => {
          const torrent = client.seed(file, { announce: [announce] }, (t) => resolve({ name: file.name, magnet: t.magnetURI, infoHash: t.infoHash }))
          torrent.once('error', reject)
        }),
    ),
  ).then((list) => ({ ms: performance.now() - t0, list }))
}
