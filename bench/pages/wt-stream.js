// WebTorrent streaming reference (the `stream` scenario): the webtorrent package's browser bundle
// and its own service worker (dist/sw.min.js, served by the bench at /wt-sw.min.js so its scope can
// be the whole origin), client.createServer({ controller }) and file.streamTo(video), as
// WebTorrent's README shows. No ICE servers: host candidates only.
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

/** Seeds the chosen file with the upload capped at `bytesPerSecond`; resolves with its magnet. */
window.wtSeedCapped = (announce, bytesPerSecond) => {
  const file = document.getElementById('file').files[0]
  if (!file) throw new Error('no file chosen')
  client.throttleUpload(bytesPerSecond)
  return new Promise((resolve, reject) => {
    const torrent = client.seed(file, { announce: [announce] }, (t) => resolve({ magnet: t.magnetURI, infoHash: t.infoHash, pieceLength: t.pieceLength }))
    torrent.once('error', reject)
  })
}

/** Registers WebTorrent's service worker and its server; resolves once the worker controls the page. */
window.wtServe = async () => {
  const controller = await navigator.serviceWorker.register('/wt-sw.min.js', { scope: '/' })
  await navigator.serviceWorker.ready
  // sw.min.js claims its clients; the first visit is controlled once that happened.
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }))
  }
  client.createServer({ controller })
}

/** Adds `magnet` and streams its first file into the player once the metadata is in (the "paste"). */
window.wtStream = (magnet, announce) => {
  const video = document.getElementById('player')
  const torrent = client.add(magnet, { announce: [announce] })
  torrent.on('error', (err) => console.error('torrent error:', err.message || err))
  torrent.once('ready', () => {
    torrent.files[0].streamTo(video)
    void video.play().catch((err) => console.error('play():', err.message))
  })
}
