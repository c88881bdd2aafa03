import { NodeProcess } from '../../harness/index.ts'
import { LogHistogram, type Percentiles } from './histogram.ts'
import type { LoadReport, LoadSpec } from './load-worker.ts'

const WORKER = new URL('./load-worker.ts', import.meta.url).pathname

export interface LoadPlan {
  readonly url: string
  readonly path?: string
  readonly batch: number
  /** Connections over all generator processes. */
  readonly connections: number
  /** Offered measurements per second over all processes; 0 = closed loop, as fast as answers return. */
  readonly ratePerS: number
  readonly warmupS: number
  readonly durationS: number
  /** Generator processes: one Node process tops out near one core, so max-load runs use two. */
  readonly processes: number
  readonly sensorsPerProcess: number
  readonly sensorPrefix: string
  readonly maxOutstanding?: number
}

export interface LoadResult {
  readonly requests: number
  readonly accepted: number
  /** Measurements answered 202 inside the measured window, per second. */
  readonly acceptedRatePerS: number
  readonly statuses: Record<string, number>
  readonly networkErrors: number
  readonly skipped: number
  /** Response time of the requests sent inside the window, ms. */
  readonly http: Percentiles
  /** Open loop: how late requests left against their schedule, ms (large = the generator could not keep up). */
  readonly lateness: Percentiles
  /** CPU the generators used over the whole run, in cores (CPU seconds / wall seconds). */
  readonly cores: number
  readonly maxRssKb: number
}

export interface RunningLoad {
  readonly startAtMs: number
  /** Start and end (epoch ms) of the measured window, after the warm-up. */
  readonly windowStartMs: number
  readonly windowEndMs: number
  readonly processes: readonly NodeProcess[]
  readonly done: Promise<LoadResult>
}

/** Starts the generator processes; they begin together at a wall-clock time a moment from now. */
export function startLoad(plan: LoadPlan): RunningLoad {
  const startAtMs = Date.now() + 1500
  const windowStartMs = startAtMs + plan.warmupS * 1000
  const windowEndMs = windowStartMs + plan.durationS * 1000
  const share = (total: number, index: number) =>
    Math.floor(total / plan.processes) + (index < total % plan.processes ? 1 : 0)
  const processes = Array.from({ length: plan.processes }, (_, index) => {
    const spec: LoadSpec = {
      url: plan.url,
      path: plan.path ?? '/measurements',
      batch: plan.batch,
      connections: Math.max(1, share(plan.connections, index)),
      ratePerS: plan.ratePerS / plan.processes,
      startAtMs,
      measureFromMs: windowStartMs,
      endAtMs: windowEndMs,
      sensors: plan.sensorsPerProcess,
      sensorPrefix: `${plan.sensorPrefix}${index}`,
      maxOutstanding: plan.maxOutstanding ?? Math.max(1, share(plan.connections, index)),
    }
    return new NodeProcess(`load-${index}`, [WORKER, JSON.stringify(spec)])
  })
  const done = Promise.all(
    processes.map(async (proc) => {
      const code = await proc.exited
      const line = proc.output().trim().split('\n').pop() ?? ''
      if (code !== 0 || !line.startsWith('{'))
        throw new Error(`${proc.name} failed (${code}):\n${proc.output()}`)
      return JSON.parse(line) as LoadReport
    }),
  ).then((reports) => merge(reports, plan, startAtMs, windowEndMs))
  return { startAtMs, windowStartMs, windowEndMs, processes, done }
}

function merge(reports: readonly LoadReport[], plan: LoadPlan, startAtMs: number, endMs: number): LoadResult {
  const http = new LogHistogram()
  const lateness = new LogHistogram()
  const statuses: Record<string, number> = {}
  let inWindow = 0
  for (const report of reports) {
    http.merge(LogHistogram.fromJSON(report.http))
    lateness.merge(LogHistogram.fromJSON(report.lateness))
    for (const [status, n] of Object.entries(report.statuses)) statuses[status] = (statuses[status] ?? 0) + n
    report.acceptedPerSecond.forEach((n, second) => {
      if (second >= plan.warmupS && second < plan.warmupS + plan.durationS) inWindow += n
    })
  }
  const sum = (pick: (report: LoadReport) => number) => reports.reduce((total, r) => total + pick(r), 0)
  const wallS = Math.max(1, (endMs - startAtMs) / 1000)
  return {
    requests: sum((r) => r.requests),
    accepted: sum((r) => r.accepted),
    acceptedRatePerS: Math.round(inWindow / plan.durationS),
    statuses,
    networkErrors: sum((r) => r.networkErrors),
    skipped: sum((r) => r.skipped),
    http: http.summary(),
    lateness: lateness.summary(),
    cores: Math.round((sum((r) => r.cpuMs) / 1000 / wallS) * 100) / 100,
    maxRssKb: Math.max(...reports.map((r) => r.maxRssKb)),
  }
}
