// The `stream` scenario's video: 1280x720 30 fps H.264 (x264 ultrafast, constant 9.6 Mbit/s with
// filler, so the size is known ahead) and AAC, MP4 with the index first (faststart), 120 s =
// about 139 MiB. Encoded once (about a minute on 2 cores) and kept in .bench-tmp/ (gitignored).
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rename, stat } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { ROOT } from './env'

export const STREAM_SECONDS = 120
const CACHE = path.join(ROOT, '.bench-tmp', 'stream-media')
const NAME = `clip-720p-${STREAM_SECONDS}s.mp4`

export interface StreamMedia {
  path: string
  name: string
  size: number
  seconds: number
  /** Bytes per second of the whole file. */
  rate: number
}

export async function streamMedia(): Promise<StreamMedia> {
  const out = path.join(CACHE, NAME)
  if (!existsSync(out)) {
    await mkdir(CACHE, { recursive: true })
    const tmp = out.replace(/\.mp4$/, '.part.mp4')
    const d = String(STREAM_SECONDS)
    console.log(`  encoding ${NAME} (once; kept in ${path.relative(ROOT, CACHE)})`)
    await promisify(execFile)(
      'ffmpeg',
      ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${d}`, '-f', 'lavfi', '-i', `sine=frequency=440:duration=${d}`,
        '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '9600k', '-minrate', '9600k', '-maxrate', '9600k', '-bufsize', '4800k',
        '-x264-params', 'nal-hrd=cbr', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', tmp],
      { timeout: 900_000 },
    )
    await rename(tmp, out)
  }
  const { size } = await stat(out)
  if (size < 128 * 2 ** 20) throw new Error(`${out} is ${size} bytes, below 128 MiB`)
  return { path: out, name: NAME, size, seconds: STREAM_SECONDS, rate: size / STREAM_SECONDS }
}
