// Launching Chromium for the benchmarks: always Debian's Chromium, headless, the DESIGN.md flags.
import { readdirSync, readFileSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { CHROMIUM_ARGS, assertLoopbackOnly, chromiumPath } from './env'

// tsx (esbuild keepNames) wraps named functions in __name(...); functions passed to
// page.evaluate carry that call into the page, so give pages a no-op __name.
const INIT_SCRIPT = 'globalThis.__name = globalThis.__name || ((f) => f);'

// Counts RTCDataChannel.send calls and bytes in the page (one JS call around the native send,
// far below its own cost): how well a client coalesces its wire messages.
const CHANNEL_STATS_SCRIPT = `(() => {
  if (typeof RTCDataChannel === 'undefined' || globalThis.__benchChannelStats) return
  const st = { sends: 0, bytes: 0 }
  globalThis.__benchChannelStats = st
  const send = RTCDataChannel.prototype.send
  RTCDataChannel.prototype.send = function (data) {
    st.sends++
    st.bytes += typeof data === 'string' ? data.length : (data.byteLength ?? data.size ?? 0)
    return send.call(this, data)
  }
})()`

export interface ChannelStats {
  sends: number
  bytes: number
}

/** Sends and bytes since the last call (then zeroed). */
export async function takeChannelStats(page: Page): Promise<ChannelStats> {
  return page.evaluate(() => {
    const st = (globalThis as any).__benchChannelStats ?? { sends: 0, bytes: 0 }
    const out = { sends: st.sends, bytes: st.bytes }
    st.sends = 0
    st.bytes = 0
    return out
  })
}

export function formatChannelStats(name: string, st: ChannelStats): string {
  const avg = st.sends ? st.bytes / st.sends : 0
  const size = avg >= 1024 ? `${(avg / 1024).toFixed(1)} KiB` : `${Math.round(avg)} B`
  return `${name} ${st.sends} sends of ${size} on average`
}

export interface Peer {
  name: string
  context: BrowserContext
  page: Page
  /** Last console lines of the page, for error reports. */
  logs: string[]
  /** The on-disk profile of a persistent peer (its browser process is found by it). */
  userDataDir?: string
  close(): Promise<void>
}

function watchConsole(name: string, page: Page, logs: string[]): void {
  const push = (line: string) => {
    logs.push(`[${name}] ${line}`)
    if (logs.length > 200) logs.shift()
    if (process.env.BENCH_VERBOSE === '1') console.log(`    [${name}] ${line}`)
  }
  page.on('console', (m) => push(`${m.type()}: ${m.text()}`))
  page.on('pageerror', (e) => push(`pageerror: ${e.message}`))
  page.on('crash', () => push('page crashed'))
}

export async function launchBrowser(): Promise<Browser> {
  assertLoopbackOnly()
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS })
}

/** A fresh in-memory context of `browser` with one page at `url`. */
export async function memoryPeer(browser: Browser, name: string, url: string): Promise<Peer> {
  const context = await browser.newContext()
  await context.grantPermissions(['microphone'])
  await context.addInitScript(INIT_SCRIPT)
  const page = await context.newPage()
  const logs: string[] = []
  watchConsole(name, page, logs)
  await page.goto(url)
  return { name, context, page, logs, close: () => context.close() }
}

/** A browser on an on-disk profile, loopback only, with the bench's page scripts installed. */
async function launchProfile(userDataDir: string): Promise<BrowserContext> {
  assertLoopbackOnly()
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    permissions: ['microphone'],
  })
  await context.addInitScript(INIT_SCRIPT)
  await context.addInitScript(CHANNEL_STATS_SCRIPT)
  return context
}

/**
 * A peer in its own browser process with an on-disk profile (IndexedDB and OPFS on disk, as a
 * user's tab has them; Playwright's newContext() keeps storage in memory).
 */
export async function persistentPeer(name: string, userDataDir: string, url: string): Promise<Peer> {
  const context = await launchProfile(userDataDir)
  const page = context.pages()[0] ?? (await context.newPage())
  const logs: string[] = []
  watchConsole(name, page, logs)
  await page.goto(url)
  return { name, context, page, logs, userDataDir, close: () => context.close() }
}

/**
 * One browser with an on-disk profile holding several peers, each a page of its own origin:
 * 127.0.0.1 for the first, then p1.localhost, p2.localhost… (Chromium resolves *.localhost to
 * loopback and treats it as a secure context). Different origins have separate IndexedDB and
 * OPFS, and different sites get separate renderer processes, so each peer is a tab of its own,
 * while the peers share one browser and one network service process as two tabs of a user do.
 * Two persistent profiles cannot share a browser; this is how peers with on-disk storage can.
 */
export interface SharedBrowser {
  context: BrowserContext
  userDataDir: string
  pid: number
  /** Opens `url` with its host replaced by the next peer's host. */
  peer(name: string, url: string): Promise<Peer>
  close(): Promise<void>
}

export function peerHost(i: number): string {
  return i === 0 ? '127.0.0.1' : `p${i}.localhost`
}

export async function sharedBrowser(userDataDir: string): Promise<SharedBrowser> {
  const context = await launchProfile(userDataDir)
  const blank = context.pages()[0]
  let n = 0
  return {
    context,
    userDataDir,
    pid: browserPidForProfile(userDataDir),
    async peer(name, url) {
      const u = new URL(url)
      u.hostname = peerHost(n++)
      const page = blank && n === 1 ? blank : await context.newPage()
      const logs: string[] = []
      watchConsole(name, page, logs)
      await page.goto(u.href)
      return { name, context, page, logs, userDataDir, close: () => page.close() }
    },
    close: () => context.close(),
  }
}

/** The browser process of a persistent peer. */
export function peerBrowserPid(peer: Peer): number {
  if (!peer.userDataDir) throw new Error(`${peer.name} is not a persistent peer`)
  return browserPidForProfile(peer.userDataDir)
}

export async function closeAll(peers: Array<Peer | undefined>): Promise<void> {
  await Promise.allSettled(peers.map((p) => p?.close()))
}

export function dumpLogs(peers: Array<Peer | undefined>, last = 30): string {
  return peers
    .filter((p): p is Peer => !!p)
    .map((p) => p.logs.slice(-last).join('\n'))
    .filter(Boolean)
    .join('\n')
}

// ------------------------------------------------------------ processes and memory

/**
 * The command line as one string. Chromium's child processes rewrite theirs into a single
 * space-joined argument, so match flags with flagValue(), not by splitting on NULs.
 */
function cmdline(pid: number): string {
  try {
    return ' ' + readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
  } catch {
    return ''
  }
}

function flagValue(cmd: string, flag: string): string | undefined {
  const m = new RegExp(` ${flag}=(\\S+)`).exec(cmd)
  return m?.[1]
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // pid (comm) state ppid ...; comm may hold spaces and parentheses
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(rest[1])
  } catch {
    return -1
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
}

/** The browser process started with this profile (no --type=, --user-data-dir=<dir>). */
export function browserPidForProfile(userDataDir: string): number {
  const want = ` --user-data-dir=${userDataDir} `
  for (const pid of allPids()) {
    const cmd = cmdline(pid) + ' '
    if (cmd.includes(want) && flagValue(cmd, '--type') === undefined) return pid
  }
  throw new Error(`no browser process with ${want}`)
}

/** Processes under `root` (not root itself). */
export function descendantPids(root: number): number[] {
  const pids = allPids()
  const parent = new Map(pids.map((p) => [p, parentOf(p)]))
  const isDescendant = (p: number): boolean => {
    for (let q = parent.get(p), hops = 0; q !== undefined && q > 1 && hops < 10; q = parent.get(q), hops++) {
      if (q === root) return true
    }
    return false
  }
  return pids.filter(isDescendant)
}

/** Chromium's --type= of a process ('browser' when it has none). */
export function processType(pid: number): string {
  const cmd = cmdline(pid)
  const type = flagValue(cmd, '--type')
  if (!type) return 'browser'
  const sub = flagValue(cmd, '--utility-sub-type')
  return sub ? `${type}:${sub.split('.').pop()}` : type
}

/** Descendants of `root` whose command line says --type=renderer. */
export function rendererPids(root: number): number[] {
  return descendantPids(root).filter((p) => flagValue(cmdline(p), '--type') === 'renderer')
}

/** A field in kB of /proc/<pid>/status (VmRSS, VmHWM), in bytes; 0 once the process is gone. */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

export interface MemorySampler {
  stop(): { peakRendererBytes: number; peakSumBytes: number; hwmBytes: number; samples: number; renderers: number }
}

/** Samples VmRSS of the browser's renderers every `everyMs`; keeps the peaks. */
export function sampleRendererMemory(browserPid: number, everyMs = 250): MemorySampler {
  let peakRenderer = 0
  let peakSum = 0
  let samples = 0
  const seen = new Set<number>()
  const hwm = new Map<number, number>()
  let pids: number[] = []
  let rescan = 0
  const tick = () => {
    if (rescan-- <= 0) {
      pids = rendererPids(browserPid)
      rescan = 8 // the renderer set rarely changes; rescan /proc every 2 s
    }
    let sum = 0
    for (const pid of pids) {
      seen.add(pid)
      const rss = procStatusBytes(pid, 'VmRSS')
      sum += rss
      if (rss > peakRenderer) peakRenderer = rss
      const h = procStatusBytes(pid, 'VmHWM')
      if (h > 0) hwm.set(pid, h)
    }
    if (sum > peakSum) peakSum = sum
    samples++
  }
  tick()
  const timer = setInterval(tick, everyMs)
  return {
    stop() {
      clearInterval(timer)
      tick()
      return {
        peakRendererBytes: peakRenderer,
        peakSumBytes: peakSum,
        hwmBytes: Math.max(0, ...hwm.values()),
        samples,
        renderers: seen.size,
      }
    },
  }
}
