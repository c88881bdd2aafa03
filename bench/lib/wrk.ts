import { execFile, spawnSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { authHeaders, childrenCpuSeconds } from '../../harness/index.ts'
import type { LoadPlan, LoadResult, RunningLoad } from './load.ts'

const SCRIPT = new URL('./wrk-measurement.lua', import.meta.url).pathname

/** wrk (Debian package `wrk`) is optional: the harness falls back to its Node generator without it. */
export function wrkAvailable(): boolean {
  return spawnSync('wrk', ['-v'], { stdio: 'ignore' }).error === undefined
}

interface WrkSummary {
  requests: number
  durationUs: number
  connectErrors: number
  readErrors: number
  writeErrors: number
  statusErrors: number
  timeouts: number
  p50Us: number
  p95Us: number
  p99Us: number
  maxUs: number
  meanUs: number
}

function runWrk(plan: LoadPlan, seconds: number, prefix: string): Promise<WrkSummary> {
  const args = [
    `-t${plan.processes}`,
    `-c${plan.connections}`,
    `-d${seconds}s`,
    '--timeout',
    '30s',
    '-H',
    `Authorization: ${authHeaders().authorization}`,
    '-s',
    SCRIPT,
    `${plan.url}${plan.path ?? '/measurements'}`,
    '--',
    prefix,
    String(plan.sensorsPerProcess),
  ]
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { timeout: (seconds + 60) * 1000 }, (error, stdout) => {
      const line = stdout.trim().split('\n').pop() ?? ''
      if (error || !line.startsWith('{')) reject(new Error(`wrk failed: ${error?.message ?? ''}\n${stdout}`))
      else resolve(JSON.parse(line) as WrkSummary)
    })
  })
}

/**
 * Single-measurement load with wrk: a C generator costs a fraction of the CPU an undici client
 * needs per request, which matters when the generator shares two cores with the pipeline. A
 * warm-up run is followed by the measured run, each with its own sensor names.
 */
export function startWrkLoad(plan: LoadPlan): RunningLoad {
  if (plan.batch !== 1 || plan.ratePerS !== 0) throw new Error('wrk posts single measurements, closed loop')
  const startAtMs = Date.now()
  const windowStartMs = startAtMs + plan.warmupS * 1000
  const windowEndMs = windowStartMs + plan.durationS * 1000
  const done = (async (): Promise<LoadResult> => {
    const warm = plan.warmupS > 0 ? await runWrk(plan, plan.warmupS, `${plan.sensorPrefix}w`) : undefined
    await sleep(Math.max(0, windowStartMs - Date.now()))
    const cpuBefore = childrenCpuSeconds()
    const measured = await runWrk(plan, plan.durationS, `${plan.sensorPrefix}m`)
    const cores = (childrenCpuSeconds() - cpuBefore) / (measured.durationUs / 1e6)
    const ok = (summary: WrkSummary | undefined) => (summary ? summary.requests - summary.statusErrors : 0)
    const ms = (us: number) => Math.round(us / 10) / 100
    return {
      requests: measured.requests + (warm?.requests ?? 0),
      accepted: ok(measured) + ok(warm),
      acceptedRatePerS: Math.round(ok(measured) / (measured.durationUs / 1e6)),
      statuses: { '2xx': ok(measured), 'non-2xx': measured.statusErrors },
      networkErrors: measured.connectErrors + measured.readErrors + measured.writeErrors + measured.timeouts,
      skipped: 0,
      http: {
        count: measured.requests,
        p50: ms(measured.p50Us),
        p95: ms(measured.p95Us),
        p99: ms(measured.p99Us),
        max: ms(measured.maxUs),
        mean: ms(measured.meanUs),
      },
      lateness: { count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 },
      cores: Math.round(cores * 100) / 100,
      maxRssKb: 0,
    }
  })()
  return { startAtMs, windowStartMs, windowEndMs, processes: [], done }
}
