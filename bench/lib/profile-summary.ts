/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `npm run bench -- --cpu-prof`): self time by
 * function and by package, so a bottleneck can be named without opening DevTools.
 *   node bench/lib/profile-summary.ts FILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
  readonly startTime: number
  readonly endTime: number
}

export interface ProfileSummary {
  readonly totalMs: number
  /** Time not idle: what the process really spent on the CPU (as sampled). */
  readonly busyMs: number
  readonly functions: readonly {
    readonly name: string
    readonly where: string
    readonly selfMs: number
    readonly share: number
  }[]
  readonly packages: readonly { readonly name: string; readonly selfMs: number; readonly share: number }[]
}

/** Where code comes from: a package, Flowline's own source, Node's internals, or V8 itself. */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)'
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (module?.[1]) return module[1]
  if (url.startsWith('node:')) return 'node:internals'
  const source = /\/(src|bench|test)\/(.+)$/.exec(url)
  if (source) return `${source[1]}/${source[2]?.split('/').slice(0, 2).join('/')}`
  return url
}

export function summarise(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<number, number>()
  profile.samples.forEach((id, index) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0))
  })
  const functions = new Map<string, { name: string; where: string; selfUs: number }>()
  const packages = new Map<string, number>()
  let totalUs = 0
  let idleUs = 0
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame
    if (!frame) continue
    totalUs += us
    if (frame.functionName === '(idle)') idleUs += us
    const where = frame.url
      ? `${frame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/')}:${frame.lineNumber + 1}`
      : ''
    const key = `${frame.functionName}@${where}`
    const entry = functions.get(key) ?? { name: frame.functionName || '(anonymous)', where, selfUs: 0 }
    entry.selfUs += us
    functions.set(key, entry)
    const name = packageOf(frame.url, frame.functionName)
    packages.set(name, (packages.get(name) ?? 0) + us)
  }
  const busyUs = Math.max(1, totalUs - idleUs)
  const ms = (us: number) => Math.round(us / 100) / 10
  const share = (us: number) => Math.round((us / busyUs) * 1000) / 10
  return {
    totalMs: ms(totalUs),
    busyMs: ms(busyUs),
    functions: [...functions.values()]
      .filter((f) => f.name !== '(idle)')
      .sort((a, b) => b.selfUs - a.selfUs)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: ms(f.selfUs), share: share(f.selfUs) })),
    packages: [...packages.entries()]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: ms(us), share: share(us) })),
  }
}

if (import.meta.main) {
  const [file, topArg] = process.argv.slice(2)
  if (!file) {
    process.stderr.write('usage: node bench/lib/profile-summary.ts FILE.cpuprofile [TOP]\n')
    process.exit(2)
  }
  const summary = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(topArg ?? 25))
  const lines = [
    `${file}: ${summary.busyMs} ms busy of ${summary.totalMs} ms sampled`,
    '',
    'self time by package:',
  ]
  for (const p of summary.packages)
    lines.push(`  ${String(p.share).padStart(5)}%  ${String(p.selfMs).padStart(9)} ms  ${p.name}`)
  lines.push('', 'self time by function:')
  for (const f of summary.functions)
    lines.push(`  ${String(f.share).padStart(5)}%  ${String(f.selfMs).padStart(9)} ms  ${f.name}  ${f.where}`)
  process.stdout.write(`${lines.join('\n')}\n`)
}
