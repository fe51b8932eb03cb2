// A real redis-server for tests (Debian's, on a free loopback port, no persistence), and
// tracker nodes as child processes (`node signal-tracker/main.ts`, as an operator runs them),
// so a test can SIGKILL one. Everything started here is stopped by its own stop/kill.

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createServer, connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { sleep } from './helpers'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * A free port below the ephemeral range (32768+ on Linux). Not port 0's pick: once the Redis
 * there is killed, a client reconnecting to an ephemeral port can be given that very port as
 * its own source port and connect to itself (TCP self-connect), reading its own commands back
 * as replies.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    const s = createServer()
    const ok = await new Promise<boolean>((r) => {
      s.once('error', () => r(false))
      s.listen(port, '127.0.0.1', () => r(true))
    })
    if (ok) {
      await new Promise<void>((r) => s.close(() => r()))
      return port
    }
  }
}

/** Sends one inline command; resolves with the raw reply, or rejects if nothing listens. */
export function redisCommand(port: number, cmd: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port })
    let buf = ''
    const t = setTimeout(() => { sock.destroy(); reject(new Error('redis did not answer')) }, timeoutMs)
    sock.on('error', (e) => { clearTimeout(t); reject(e) })
    sock.on('connect', () => sock.write(cmd + '\r\n'))
    sock.on('data', (d) => {
      buf += d.toString()
      if (buf.endsWith('\r\n')) { clearTimeout(t); sock.end(); resolve(buf) }
    })
  })
}

export interface TestRedis {
  port: number
  url: string
  /** SIGKILL: gone with everything it held (no persistence). */
  kill(): Promise<void>
  /** A fresh, empty redis-server on the same port. */
  restart(): Promise<void>
  stop(): Promise<void>
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort()
  let child: ChildProcess | null = null
  const launch = async (): Promise<void> => {
    const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    child = c
    const end = Date.now() + 10_000
    while (Date.now() < end) {
      if (c.exitCode !== null) throw new Error(`redis-server exited with ${c.exitCode}`)
      if (await redisCommand(port, 'PING').then((r) => r.startsWith('+PONG'), () => false)) return
      await sleep(50)
    }
    throw new Error('redis-server did not start within 10 s')
  }
  const kill = async (): Promise<void> => {
    const c = child
    child = null
    if (!c || c.exitCode !== null) return
    const gone = new Promise((r) => c.once('exit', r))
    c.kill('SIGKILL')
    await gone
  }
  await launch()
  return { port, url: `redis://127.0.0.1:${port}`, kill, restart: async () => { await kill(); await launch() }, stop: kill }
}

export interface NodeProcess {
  url: string
  wsUrl: string
  pid: number
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>
  /** SIGTERM (clean shutdown) and wait for the exit. */
  stop(): Promise<void>
}

/** `node --import tsx signal-tracker/main.ts` with REDIS_URL and whatever else `env` sets. */
export async function startNodeProcess(env: Record<string, string>): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'signal-tracker/main.ts'], {
    cwd: ROOT, env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  child.stderr!.on('data', (d) => { err += String(d) })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const t = setTimeout(() => reject(new Error(`tracker node did not start in 30 s: ${err}`)), 30_000)
    child.stdout!.on('data', (d) => {
      out += String(d)
      const m = /app (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)
      if (m) { clearTimeout(t); resolve(m[1]!) }
    })
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`tracker node exited (${code}): ${err}`)) })
  })
  const end = (sig: NodeJS.Signals) => async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const gone = new Promise((r) => child.once('exit', r))
    child.kill(sig)
    await gone
  }
  return { url, wsUrl: url.replace(/^http/, 'ws') + '/announce', pid: child.pid!, kill: end('SIGKILL'), stop: end('SIGTERM') }
}
