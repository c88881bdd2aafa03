/**
 * How much of a role process's CPU tracing takes, from a V8 CPU profile (`--cpu-prof` of
 * `bench/tracing-overhead.bench.ts`): a sample counts as tracing's when the first frame from its
 * leaf up that is not Node's or V8's own belongs to tracing code (OpenTelemetry, or Flowline's
 * spans in `src/observability/`). So what tracing calls into Node for (timers, JSON, regexes, a
 * socket write) counts as tracing's, and what runs inside a span for the application does not.
 * Garbage collection is shown apart: a profile cannot say whose allocations it collects.
 *
 *   node bench/lib/tracing-profile-share.ts [--last S] [--tail S] [--top N] FILE.cpuprofile...
 *
 * It reads the `--last` S seconds before the last `--tail` S of the profile (shutdown, default 2):
 * the bench's measured window ends the run, and its start-up and warm-up (with the span
 * processor's first export, which loads Node's HTTP client once) stay out. Give the bench's window.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: readonly number[]
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** Flowline's tracing sources; `metrics.ts` and the logger's set-up are not tracing. */
const TRACING_FILES =
  /\/src\/observability\/(tracing|http-server-spans|messaging-spans|sql-spans|redrive-spans|span-store|journey-from-traces)\.ts$/

type Kind = 'tracing' | 'application' | 'runtime'

function kindOf(frame: CallFrame): Kind {
  const { url, functionName } = frame
  if (url.includes('/node_modules/@opentelemetry/') || TRACING_FILES.test(url)) return 'tracing'
  if (url.endsWith('/src/observability/logger.ts') && functionName === 'traceIds') return 'tracing'
  if (url === '' || url.startsWith('node:')) return 'runtime'
  return 'application'
}

/** Counts of samples (V8 samples every 1 ms by default while the process runs). */
export interface TracingShare {
  readonly busy: number
  readonly gc: number
  readonly tracing: number
  /** Tracing's samples by the tracing frame each was attributed to. */
  readonly frames: readonly { readonly name: string; readonly samples: number }[]
}

export function tracingShare(profile: CpuProfile, lastS: number, tailS: number, top = 12): TracingShare {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  // The tracing frame (if any) a sample's time goes to, per leaf node.
  const owner = new Map<number, string | null>()
  const ownerOf = (leaf: number): string | null => {
    const known = owner.get(leaf)
    if (known !== undefined) return known
    let found: string | null = null
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame
      if (!frame) break
      const kind = kindOf(frame)
      if (kind === 'runtime') continue
      if (kind === 'tracing')
        found = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(node_modules|src)\//, '')}:${frame.lineNumber + 1}`
      break
    }
    owner.set(leaf, found)
    return found
  }
  const times: number[] = []
  let at = 0
  for (const delta of profile.timeDeltas) {
    at += delta
    times.push(at)
  }
  const to = at - tailS * 1e6
  const from = to - lastS * 1e6
  let busy = 0
  let gc = 0
  let tracing = 0
  const frames = new Map<string, number>()
  // Samples are counted, not weighted by the time to the next one: on a busy machine a sample taken
  // after the process waited for a core would carry the wait.
  profile.samples.forEach((id, index) => {
    const time = times[index] ?? 0
    if (time < from || time > to) return
    const name = byId.get(id)?.callFrame.functionName
    if (name === '(idle)') return
    busy += 1
    if (name === '(garbage collector)') gc += 1
    const frame = ownerOf(id)
    if (frame === null) return
    tracing += 1
    frames.set(frame, (frames.get(frame) ?? 0) + 1)
  })
  return {
    busy,
    gc,
    tracing,
    frames: [...frames.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, samples]) => ({ name, samples })),
  }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      last: { type: 'string', default: '20' },
      tail: { type: 'string', default: '2' },
      top: { type: 'string', default: '12' },
    },
  })
  if (positionals.length === 0) {
    process.stderr.write('usage: node bench/lib/tracing-profile-share.ts [--last S] [--tail S] FILE...\n')
    process.exit(2)
  }
  const percent = (part: number, whole: number) => `${((part / Math.max(whole, 0.1)) * 100).toFixed(2)} %`
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
    const share = tracingShare(profile, Number(values.last), Number(values.tail), Number(values.top))
    const lines = [
      `${basename(file)}: ${share.busy} busy samples, GC ${share.gc} (${percent(share.gc, share.busy)}), ` +
        `tracing ${share.tracing} (${percent(share.tracing, share.busy)})`,
    ]
    for (const frame of share.frames)
      lines.push(
        `  ${String(frame.samples).padStart(6)}  ${percent(frame.samples, share.busy).padStart(8)}  ${frame.name}`,
      )
    process.stdout.write(`${lines.join('\n')}\n`)
  }
}
