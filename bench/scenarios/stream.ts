// Streaming (issue 9): a >= 128 MiB video from a seeder capped at 2x its bitrate, Tabswarm (its
// service worker /sw.js, Play) against WebTorrent 3 (its own sw.min.js, createServer({ controller }),
// file.streamTo(video)) in the same run. Per client, two fresh viewer tabs one after the other (the
// first is closed before the second opens, so they never share the seeder's capped upload):
//   1. paste -> first frame, then the stalls over the first BENCH_STREAM_S (60) s of playback;
//   2. paste -> first frame, then seek to 50% -> playing, then seek to 90% -> playing.
// Seeking in a fresh tab measures a seek into bytes not fetched yet, which is what a user waits for.
// The bound, in a third browser: the same clip from plain HTTP capped at the same rate (one tab, as
// the second tab above). BENCH_STREAM_ONLY=tabswarm|webtorrent|http (comma-separated) runs only those.
import os from 'node:os'
import { choosePieceLength } from '../../shared/pieces'
import type { Page } from 'playwright-core'
import { dumpLogs, sharedBrowser, type Peer, type SharedBrowser } from '../lib/browser'
import { startCappedHttp } from '../lib/capped-http'
import type { Ctx } from '../lib/context'
import { installProbe, markStart, playedPast, seekAndTime, stallsOver } from '../lib/player-probe'
import { streamMedia, type StreamMedia } from '../lib/stream-media'
import { writeStreamSection, type HttpFigures, type StreamFigures } from '../lib/stream-report'
import { startTabswarmTracker, tabswarmSeed } from '../lib/tabswarm'
import { startWtTracker } from '../lib/wt-tracker'

/** Piece lengths in KiB, for the report: a seek waits for one whole piece at the capped rate. */
const pieceKiB = { ts: 0, wt: 0 }

export const STREAM_WINDOW_S = Math.max(5, Number(process.env.BENCH_STREAM_S ?? 60) || 60)
const FIRST_FRAME_MS = 180_000
const SEEK_MS = 120_000

interface Client {
  label: string
  /** Opens a viewer tab ready for the paste (probe installed on its player). */
  viewer(name: string): Promise<Peer>
  /** The paste, and whatever the user does until the player is asked to play. */
  start(page: Page): Promise<void>
}

async function measure(client: Client, clip: StreamMedia, peers: Peer[]): Promise<StreamFigures> {
  const a = await client.viewer(`${client.label}-viewer-1`)
  peers.push(a)
  await markStart(a.page)
  await client.start(a.page)
  const firstMs = await playedPast(a.page, 0, FIRST_FRAME_MS, true)
  console.log(`  ${client.label}: first frame ${(firstMs / 1000).toFixed(2)} s after the paste; playing ${STREAM_WINDOW_S} s…`)
  const st = await stallsOver(a.page, 0, STREAM_WINDOW_S, STREAM_WINDOW_S * 4000 + 60_000)
  console.log(`  ${client.label}: ${st.count} stalls, ${st.seconds.toFixed(2)} s stalled over ${st.played.toFixed(1)} s played`)
  await a.close()

  const b = await client.viewer(`${client.label}-viewer-2`)
  peers.push(b)
  await markStart(b.page)
  await client.start(b.page)
  const firstMs2 = await playedPast(b.page, 0, FIRST_FRAME_MS)
  const seek50Ms = await seekAndTime(b.page, clip.seconds * 0.5, SEEK_MS)
  const seek90Ms = await seekAndTime(b.page, clip.seconds * 0.9, SEEK_MS)
  console.log(
    `  ${client.label}: second tab first frame ${(firstMs2 / 1000).toFixed(2)} s; seek 50% ${(seek50Ms / 1000).toFixed(2)} s; seek 90% ${(seek90Ms / 1000).toFixed(2)} s`,
  )
  await b.close()
  return { firstMs, firstMs2, seek50Ms, seek90Ms, stalls: st.count, stalledS: st.seconds, playedS: st.played }
}

async function withBrowser<T>(ctx: Ctx, label: string, fn: (b: SharedBrowser, peers: Peer[]) => Promise<T>): Promise<T> {
  const browser = await sharedBrowser(await ctx.tmp.profile(label))
  const peers: Peer[] = []
  try {
    return await fn(browser, peers)
  } catch (err) {
    console.error(`  ${label} failed; last console lines:\n${dumpLogs(peers)}`)
    throw err
  } finally {
    await browser.close()
  }
}

async function tabswarmStream(ctx: Ctx, clip: StreamMedia, capBps: number): Promise<StreamFigures> {
  if (!ctx.appDir) throw new Error(`the app did not build: ${ctx.appError}`)
  const { tracker, url } = await startTabswarmTracker(ctx.appDir)
  try {
    return await withBrowser(ctx, 'stream-ts', async (browser, peers) => {
      const seeder = await browser.peer('ts-stream-seeder', url)
      peers.push(seeder)
      const seed = await tabswarmSeed(seeder.page, clip.path, 300_000)
      // The app's own rule (shared/pieces.ts), the one its seeder just used.
      pieceKiB.ts = choosePieceLength(clip.size, { streaming: true }) / 1024
      const limit = seeder.page.locator('[data-testid=upload-limit]')
      await limit.fill(String(Math.round(capBps / 1024)))
      await limit.dispatchEvent('change')
      console.log(`  Tabswarm seeding after ${(seed.ms / 1000).toFixed(1)} s; upload capped at ${Math.round(capBps / 1024)} KiB/s`)
      return measure(
        {
          label: 'Tabswarm',
          async viewer(name) {
            const p = await browser.peer(name, url)
            // The app's service worker claims the tab on its first visit; a user's tab has it.
            await p.page.waitForFunction(() => !!navigator.serviceWorker?.controller, undefined, { timeout: 30_000 })
            await p.page.locator('[data-testid=link-submit]:enabled').waitFor({ timeout: 30_000 })
            await installProbe(p.page, '[data-testid=player]')
            return p
          },
          async start(page) {
            await page.locator('[data-testid=link-input]').fill(seed.magnet)
            // Play is enabled once the metadata is in; the page clicks it the moment it is, as a
            // user watching for it would. (Playwright's click() re-checks on a back-off of up to
            // 500 ms, which this figure would count as ours.)
            const played = page.evaluate(
              ({ selector, ms }) =>
                new Promise<void>((resolve, reject) => {
                  const t0 = performance.now()
                  const timer = setInterval(() => {
                    const b = document.querySelector<HTMLButtonElement>(selector)
                    if (b && !b.disabled) {
                      clearInterval(timer)
                      b.click()
                      resolve()
                    } else if (performance.now() - t0 > ms) {
                      clearInterval(timer)
                      reject(new Error(`Play was not enabled within ${ms} ms`))
                    }
                  }, 5)
                }),
              { selector: `[data-testid=torrent][data-infohash="${seed.infoHash}"] [data-testid=play][data-file="${clip.name}"]`, ms: FIRST_FRAME_MS },
            )
            await page.locator('[data-testid=link-submit]').click()
            await played
          },
        },
        clip,
        peers,
      )
    })
  } finally {
    await tracker.close()
  }
}

async function webtorrentStream(ctx: Ctx, clip: StreamMedia, capBps: number): Promise<StreamFigures> {
  const tracker = await startWtTracker()
  const url = `${ctx.staticUrl}wt-stream.html`
  try {
    return await withBrowser(ctx, 'stream-wt', async (browser, peers) => {
      const seeder = await browser.peer('wt-stream-seeder', url)
      peers.push(seeder)
      await seeder.page.waitForFunction(() => typeof (window as any).wtSeedCapped === 'function')
      await seeder.page.locator('#file').setInputFiles(clip.path)
      const seed = (await seeder.page.evaluate(([u, cap]) => (window as any).wtSeedCapped(u, cap), [tracker.wsUrl, capBps] as const)) as { magnet: string; pieceLength: number }
      pieceKiB.wt = seed.pieceLength / 1024
      console.log(`  WebTorrent seeding (${seed.pieceLength / 1024} KiB pieces); throttleUpload(${Math.round(capBps)} B/s)`)
      return measure(
        {
          label: 'WebTorrent',
          async viewer(name) {
            const p = await browser.peer(name, url)
            await p.page.waitForFunction(() => typeof (window as any).wtServe === 'function')
            await p.page.evaluate(() => (window as any).wtServe())
            await installProbe(p.page, '#player')
            return p
          },
          async start(page) {
            await page.evaluate(([m, u]) => (window as any).wtStream(m, u), [seed.magnet, tracker.wsUrl] as const)
          },
        },
        clip,
        peers,
      )
    })
  } finally {
    await tracker.close()
  }
}

async function httpStream(ctx: Ctx, clip: StreamMedia, capBps: number): Promise<HttpFigures> {
  const server = await startCappedHttp(clip.path, capBps)
  try {
    return await withBrowser(ctx, 'stream-http', async (browser, peers) => {
      const v = await browser.peer('HTTP-viewer', server.url)
      peers.push(v)
      const selector = '[data-testid=player]'
      await installProbe(v.page, selector)
      // What the server wrote from the clock's start (the probe's t0, in the page) until playing.
      const sent = async (ms: number) => {
        const t0 = await v.page.evaluate(() => performance.timeOrigin + (window as any).__sp.t0)
        return server.sentBetween(t0, t0 + ms)
      }
      await markStart(v.page)
      await v.page.evaluate(
        ([sel, src]) => {
          const el = document.querySelector(sel) as HTMLVideoElement
          el.src = src
          void el.play().catch(() => {})
        },
        [selector, server.mediaPath()] as const,
      )
      const firstMs = await playedPast(v.page, 0, FIRST_FRAME_MS)
      const first = await sent(firstMs)
      const seek50Ms = await seekAndTime(v.page, clip.seconds * 0.5, SEEK_MS)
      const seek50 = await sent(seek50Ms)
      const seek90Ms = await seekAndTime(v.page, clip.seconds * 0.9, SEEK_MS)
      const seek90 = await sent(seek90Ms)
      const k = (b: number) => `${Math.round(b / 1024)} KiB`
      console.log(
        `  HTTP at the cap: first frame ${(firstMs / 1000).toFixed(2)} s (${k(first.newBytes)}); seek 50% ${(seek50Ms / 1000).toFixed(2)} s (${k(seek50.newBytes)} in ${seek50.requests} new requests, ${k(seek50.bytes)} sent); seek 90% ${(seek90Ms / 1000).toFixed(2)} s (${k(seek90.newBytes)} in ${seek90.requests}, ${k(seek90.bytes)} sent); ${k(server.bytesSent())} sent in all`,
      )
      await v.close()
      return { firstMs, seek50Ms, seek90Ms, first, seek50, seek90 }
    })
  } finally {
    await server.close()
  }
}

const ONLY = (process.env.BENCH_STREAM_ONLY ?? '').split(',').map((c) => c.trim()).filter(Boolean)
const SKIPPED = `skipped (BENCH_STREAM_ONLY=${ONLY.join(',')})`

/** Runs one client unless BENCH_STREAM_ONLY leaves it out; a failure becomes its message. */
async function attempt<T>(key: string, label: string, fn: () => Promise<T>): Promise<T | string> {
  if (ONLY.length && !ONLY.includes(key)) return SKIPPED
  try {
    return await fn()
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    console.error(`  ${label} streaming failed: ${msg}`)
    return msg
  }
}

export async function stream(ctx: Ctx): Promise<void> {
  const t0 = Date.now()
  const load0 = os.loadavg()[0]!
  const clip = await streamMedia()
  const capBps = 2 * clip.rate
  console.log(
    `  ${clip.name}: ${(clip.size / 2 ** 20).toFixed(1)} MiB, ${clip.seconds} s, ${((clip.rate * 8) / 1e6).toFixed(2)} Mbit/s; seeders capped at ${((capBps * 8) / 1e6).toFixed(2)} Mbit/s`,
  )
  const ts = await attempt('tabswarm', 'Tabswarm', () => tabswarmStream(ctx, clip, capBps))
  const wt = await attempt('webtorrent', 'WebTorrent', () => webtorrentStream(ctx, clip, capBps))
  const http = await attempt('http', 'HTTP at the cap', () => httpStream(ctx, clip, capBps))
  const loads = [load0, os.loadavg()[0]!]
  const partial = ONLY.length > 0
  const file = await writeStreamSection({ clip, capBps, windowS: STREAM_WINDOW_S, ts, wt, http, partial, pieceKiB, loads, elapsedS: (Date.now() - t0) / 1000 })
  console.log(file ? `  wrote the "Streaming" section of ${file}` : '  BENCHMARKS.md not written (BENCH_WRITE=0, BENCH_STREAM_ONLY or a shortened window; BENCH_WRITE=1 forces it)')
  for (const [label, f] of [['Tabswarm', ts], ['WebTorrent', wt], ['HTTP at the cap', http]] as const) {
    if (typeof f === 'string' && f !== SKIPPED) throw new Error(`${label} streaming failed: ${f}`)
  }
}
