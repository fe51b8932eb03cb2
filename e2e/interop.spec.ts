// WebTorrent 3 (its browser bundle) and Tabswarm tabs swap files through our tracker, by the
// same magnet links, both ways.
import { createReadStream } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import {
  ROOT, expect, makeRandomFile, openMagnet, saveAndHash, shareFiles, test, waitForState, type Page,
} from './fixtures'

const MiB = 1024 * 1024
const BUNDLE = path.join(ROOT, 'node_modules/webtorrent/dist/webtorrent.min.js')

const PAGE = `<!doctype html><input type="file" id="file">
<script type="module">
  import WebTorrent from '/webtorrent.min.js'
  // Never public STUN: WebTorrent's simple-peer defaults are overridden here.
  window.wt = new WebTorrent({ tracker: { rtcConfig: { iceServers: [] } } })
  window.wtReady = true
</script>`

/**
 * WebTorrent's page is served from a loopback server of its own (not page.route: Chromium's
 * local-network checks treat a routed page as public and block its WebSocket to 127.0.0.1).
 */
let wtServer: Server
let wtURL = ''
test.beforeAll(async () => {
  wtServer = createServer((req, res) => {
    if (req.url === '/webtorrent.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' })
      createReadStream(BUNDLE).pipe(res)
    } else {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end(PAGE)
    }
  })
  await new Promise<void>((resolve) => wtServer.listen(0, '127.0.0.1', resolve))
  wtURL = `http://127.0.0.1:${(wtServer.address() as AddressInfo).port}/`
})
test.afterAll(() => new Promise<void>((resolve) => wtServer.close(() => resolve())))

async function webTorrentPage(page: Page): Promise<void> {
  await page.goto(wtURL)
  await page.waitForFunction(() => (window as unknown as { wtReady?: boolean }).wtReady === true)
}

test('a WebTorrent client downloads from a Tabswarm tab through our tracker', async ({ peer, baseURL, tmpDir }) => {
  const file = await makeRandomFile(tmpDir, 'to-webtorrent.bin', 3 * MiB + 4321)
  const tab = await peer('tabswarm seeder')
  const { magnet } = await shareFiles(tab.page, [file.path])
  const wt = await peer('webtorrent leecher')
  await webTorrentPage(wt.page)
  const sha256 = await wt.page.evaluate(
    (link) =>
      new Promise<string>((resolve, reject) => {
        const client = (window as unknown as { wt: any }).wt
        client.on('error', (e: Error) => reject(e))
        client.add(link, (torrent: any) => {
          torrent.on('done', async () => {
            const bytes = await torrent.files[0].arrayBuffer()
            const digest = await crypto.subtle.digest('SHA-256', bytes)
            resolve([...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''))
          })
        })
      }),
    magnet,
  )
  expect(sha256).toBe(file.sha256)
})

test('a Tabswarm tab downloads from a WebTorrent seeder announced to our tracker', async ({ peer, baseURL, tmpDir }) => {
  const file = await makeRandomFile(tmpDir, 'from-webtorrent.bin', 2 * MiB + 77)
  const wt = await peer('webtorrent seeder')
  await webTorrentPage(wt.page)
  await wt.page.locator('#file').setInputFiles(file.path)
  const announce = `${baseURL!.replace(/^http/, 'ws')}announce`
  const magnet = await wt.page.evaluate(
    (tr) =>
      new Promise<string>((resolve, reject) => {
        const client = (window as unknown as { wt: any }).wt
        client.on('error', (e: Error) => reject(e))
        const input = document.getElementById('file') as HTMLInputElement
        client.seed(input.files![0], { announce: [tr] }, (torrent: any) => resolve(torrent.magnetURI))
      }),
    announce,
  )
  expect(magnet).toContain('xt=urn:btih:')
  const tab = await peer('tabswarm leecher')
  await openMagnet(tab.page, magnet)
  const infohash = /btih:([0-9a-f]{40})/i.exec(magnet)![1]!.toLowerCase()
  await waitForState(tab.page, infohash, 'seeding', 120_000)
  expect(await saveAndHash(tab.page, infohash, file.name)).toBe(file.sha256)
})
