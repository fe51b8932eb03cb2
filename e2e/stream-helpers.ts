// Helpers for the streaming tests: test media made with Debian's ffmpeg (encoded once per run and
// kept under test-results/), and what a user sees of the player.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rename, stat } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { ROOT, byTestId, expect, torrentOf, type Page } from './fixtures'

const run = promisify(execFile)

export type MediaFormat = 'webm' | 'mp4-faststart' | 'mp4-moov-at-end'

export interface Media {
  path: string
  name: string
  size: number
  seconds: number
  /** Bytes per second of the whole file. */
  rate: number
}

// Long enough that the fixed costs before the first frame (WebRTC connect, metadata, decoder
// start: up to ~20 s on a loaded 2-core machine, where the download runs at 3x the bitrate all
// along) stay well under half the file.
export const MEDIA_SECONDS = 120
const CACHE = path.join(ROOT, 'test-results', 'stream-media')

const ENCODE: Record<MediaFormat, { file: string; args: string[] }> = {
  webm: {
    file: `clip-${MEDIA_SECONDS}s.webm`,
    // VP9 in realtime mode: here about 8x cheaper than VP8 at the same size.
    args: ['-c:v', 'libvpx-vp9', '-b:v', '250k', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-g', '30', '-c:a', 'libopus', '-b:a', '48k'],
  },
  'mp4-faststart': {
    file: `clip-${MEDIA_SECONDS}s-faststart.mp4`,
    args: ['-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '250k', '-g', '30', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '48k', '-movflags', '+faststart'],
  },
  // ffmpeg's default: the moov box (the index) is written last, so a player reads the end first.
  'mp4-moov-at-end': {
    file: `clip-${MEDIA_SECONDS}s-moov-at-end.mp4`,
    args: ['-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '250k', '-g', '30', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '48k'],
  },
}

const making = new Map<MediaFormat, Promise<Media>>()

/** A 640x360 15 fps clip with a tone, MEDIA_SECONDS long, in `format`; encoded at most once per run. */
export function media(format: MediaFormat): Promise<Media> {
  let p = making.get(format)
  if (!p) {
    p = encode(format)
    making.set(format, p)
  }
  return p
}

async function encode(format: MediaFormat): Promise<Media> {
  const { file, args } = ENCODE[format]
  const out = path.join(CACHE, file)
  if (!existsSync(out)) {
    await mkdir(CACHE, { recursive: true })
    const tmp = `${out}.part${path.extname(out)}`
    const d = String(MEDIA_SECONDS)
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=640x360:rate=15:duration=${d}`, '-f', 'lavfi', '-i', `sine=frequency=440:duration=${d}`, ...args, tmp], { timeout: 280_000 })
    await rename(tmp, out)
  }
  const { size } = await stat(out)
  return { path: out, name: file, size, seconds: MEDIA_SECONDS, rate: size / MEDIA_SECONDS }
}

export interface PlayerState {
  currentTime: number
  duration: number
  paused: boolean
  readyState: number
  error: number | null
  progress: number
  state: string
}

/** The player and its torrent row, read in one go so the two numbers belong together. */
export async function playerState(page: Page, infohash: string): Promise<PlayerState | null> {
  return page.evaluate((ih) => {
    const el = document.querySelector('[data-testid="player"]') as HTMLMediaElement | null
    const row = document.querySelector(`[data-testid="torrent"][data-infohash="${ih}"]`)
    if (!el) return null
    return {
      currentTime: el.currentTime,
      duration: el.duration,
      paused: el.paused,
      readyState: el.readyState,
      error: el.error?.code ?? null,
      progress: Number(row?.getAttribute('data-progress') ?? 'NaN'),
      state: row?.getAttribute('data-state') ?? '',
    }
  }, infohash)
}

/**
 * Polls until the player has played past `seconds` (currentTime, i.e. frames were shown, not
 * only buffered); returns the state at that moment. Fails early with the page's message if the
 * player reports an error.
 */
export async function playedPast(page: Page, infohash: string, seconds: number, timeout = 30_000): Promise<PlayerState> {
  const until = Date.now() + timeout
  let last: PlayerState | null = null
  while (Date.now() < until) {
    last = await playerState(page, infohash)
    if (last?.error) {
      const message = await page.locator(byTestId('player-error')).textContent({ timeout: 2000 }).catch(() => null)
      throw new Error(`the player failed (MediaError ${last.error}): ${message ?? 'no message'}`)
    }
    if (last && last.currentTime >= seconds && !last.paused) return last
    await page.waitForTimeout(100)
  }
  throw new Error(`the player did not play past ${seconds} s within ${timeout} ms; last: ${JSON.stringify(last)}`)
}

/** Press Play on `file` of torrent `infohash` once it is enabled. */
export async function pressPlay(page: Page, infohash: string, file: string): Promise<void> {
  const button = torrentOf(page, infohash).locator(`${byTestId('play')}[data-file=${JSON.stringify(file)}]`)
  await expect(button).toBeEnabled({ timeout: 60_000 })
  await button.click()
  await expect(page.locator(`${byTestId('player')}[data-file=${JSON.stringify(file)}]`)).toBeAttached({ timeout: 20_000 })
}

export async function seek(page: Page, seconds: number): Promise<void> {
  await page.evaluate((s) => {
    const el = document.querySelector('[data-testid="player"]') as HTMLMediaElement
    el.currentTime = s
    void el.play().catch(() => {})
  }, seconds)
}

/** A GET of `url` from inside the page (through its service worker): status and body text. */
export async function fetchInPage(page: Page, url: string, range?: string): Promise<{ status: number; text: string; headers: Record<string, string> }> {
  return page.evaluate(
    async ([u, r]) => {
      const res = await fetch(u, r ? { headers: { Range: r } } : {})
      const headers: Record<string, string> = {}
      res.headers.forEach((v, k) => (headers[k] = v))
      const text = res.status === 206 || res.status === 200 ? '' : await res.text()
      if (res.status === 206 || res.status === 200) await res.body?.cancel()
      return { status: res.status, text, headers }
    },
    [url, range ?? null] as const,
  )
}

/** Resolves once the page's service worker controls it (the first visit is claimed). */
export async function waitControlled(page: Page): Promise<void> {
  await page.waitForFunction(() => !!navigator.serviceWorker?.controller, undefined, { timeout: 20_000 })
}
