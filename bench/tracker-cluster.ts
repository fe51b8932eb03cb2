// The tracker-side processes of one bench target: one tracker process, or for the cluster
// targets a redis-server plus N tracker nodes on it. All pinned to core 0 like the single
// tracker, so "per CPU-second" counts every process that does tracker work, Redis included.

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { freePort } from '../signal-tracker/test/redis-helpers'

/** RSS in bytes, CPU seconds (user+system, and system alone) of a process, from /proc. */
export function procStat(pid: number): { rss: number; cpu: number; sys: number; writes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  const ticks = Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14, 15)
  return { rss, cpu: ticks / 100, sys: Number(fields[12]) / 100, writes: writeCalls(pid) }
}

/**
 * The process's write system calls so far (`syscw` of /proc/<pid>/io: write, writev and the
 * like, every socket write a tracker makes). Loopback TCP does the receiver's work inside the
 * sender's write, so how many frames go out per write is a large part of a tracker's cost.
 * NaN where /proc/<pid>/io cannot be read.
 */
function writeCalls(pid: number): number {
  try {
    return Number(/^syscw:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? NaN)
  } catch {
    return NaN
  }
}

/** Sums over several processes. */
export function procsStat(pids: readonly number[]): { rss: number; cpu: number; sys: number; writes: number } {
  let rss = 0
  let cpu = 0
  let sys = 0
  let writes = 0
  for (const pid of pids) {
    const s = procStat(pid)
    rss += s.rss
    cpu += s.cpu
    sys += s.sys
    writes += s.writes
  }
  return { rss, cpu, sys, writes }
}

/** One RESP command, reply read whole (a bulk string may span several TCP reads). */
function command(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port })
    let buf = Buffer.alloc(0)
    const t = setTimeout(() => { sock.destroy(); reject(new Error('redis timeout')) }, 5000)
    sock.on('error', (e) => { clearTimeout(t); reject(e) })
    sock.on('connect', () => sock.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')))
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      const nl = buf.indexOf('\r\n')
      if (nl < 0) return
      const head = buf.toString('latin1', 0, nl)
      if (head.startsWith('$')) {
        const len = Number(head.slice(1))
        if (buf.length < nl + 2 + len + 2) return
        done(buf.toString('utf8', nl + 2, nl + 2 + len))
      } else done(head)
    })
    const done = (s: string): void => { clearTimeout(t); sock.end(); resolve(s) }
  })
}

export interface BenchRedis {
  url: string
  pid: number
  /** INFO memory's used_memory: bytes of data Redis holds (not its allocator's slack). */
  usedMemory(): Promise<number>
  stop(): void
}

export async function startBenchRedis(): Promise<BenchRedis> {
  const port = await freePort()
  const child: ChildProcess = spawn('taskset', ['-c', '0', 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const end = Date.now() + 10_000
  for (;;) {
    if (await command(port, ['PING']).then((r) => r === '+PONG', () => false)) break
    if (Date.now() > end) throw new Error('redis-server did not start')
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    async usedMemory() {
      const info = await command(port, ['INFO', 'memory'])
      return Number(/used_memory:(\d+)/.exec(info)?.[1])
    },
    stop() { child.kill('SIGKILL') },
  }
}
