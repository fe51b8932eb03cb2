// Optional (BENCH_PROFILE=1): a CPU profile of a page's main thread through the DevTools
// protocol, summarised as the functions with the most self time. The app is then built without
// minification so the names mean something. Profiling slows the page: figures of a profiled run
// are not comparable with a plain one.
import type { Page } from 'playwright-core'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

export const PROFILING = process.env.BENCH_PROFILE === '1'

export interface Profiler {
  stop(): Promise<string>
}

export async function startProfile(page: Page, label: string): Promise<Profiler> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 1000 })
  await cdp.send('Profiler.start')
  return {
    async stop() {
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile }
      await cdp.detach().catch(() => {})
      return summarise(label, profile)
    },
  }
}

function summarise(label: string, p: Profile): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<string, number>()
  const byFile = new Map<string, number>()
  let total = 0
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0
    const n = byId.get(id)
    if (!n) return
    const cf = n.callFrame
    const file = cf.url ? cf.url.replace(/^.*\//, '') : ''
    const name = cf.functionName || (file ? '(anonymous)' : cf.url || '(native)')
    const key = file ? `${name} ${file}:${cf.lineNumber + 1}` : name
    self.set(key, (self.get(key) ?? 0) + dt)
    byFile.set(file || name, (byFile.get(file || name) ?? 0) + dt)
    total += dt
  })
  const wall = (p.endTime - p.startTime) / 1e6
  const busy = [...self].filter(([k]) => k !== '(idle)' && k !== '(program)').reduce((s, [, v]) => s + v, 0) / 1e6
  const top = [...self]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 14)
    .map(([k, v]) => `${k} ${((100 * v) / total).toFixed(1)}%`)
  return `${label} main-thread profile (${wall.toFixed(1)} s, JS+GC busy ${busy.toFixed(1)} s): ${top.join('; ')}`
}
