import { createHistogram } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import type { MeasurementInput } from '../../domain/measurement.ts'
import { isRetryableStatus, retryDelayMs } from './retry-policy.ts'
import { faultyReading, SensorSignal, seededRandom } from './sensor-signal.ts'

export interface SimulatorOptions {
  readonly targetUrl: string
  readonly sensors: number
  /** Measurements per second over all sensors; 0 sends as fast as the server answers. */
  readonly rate: number
  /** Measurements per request; 1 sends a bare JSON object. */
  readonly batch: number
  /** Stop after this many measurements; 0 for no limit. */
  readonly count: number
  /** Stop after this many seconds; 0 for no limit. */
  readonly durationS: number
  readonly faultyRatio: number
  readonly concurrency: number
  readonly seed?: number
  readonly maxAttempts?: number
  readonly signal?: AbortSignal
  /** Prints a line a second; the summary is returned either way. */
  readonly onProgress?: (line: string) => void
  /** Receives each batch of measurements the server acknowledged with 202. */
  readonly onAccepted?: (items: readonly MeasurementInput[]) => void
  /** Sent as `Authorization: Bearer`: a device token scoped to the simulated sensors (or an admin key). */
  readonly token?: string
}

/** The ids of the simulated sensors: `sensor-0001` and on. */
export function simulatedSensorIds(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `sensor-${String(index + 1).padStart(4, '0')}`)
}

export interface SimulatorSummary {
  sent: number
  accepted: number
  rejected: number
  failed: number
  retried: number
  requests: number
  elapsedS: number
  ratePerS: number
  latencyMs: { p50: number; p95: number; p99: number; max: number }
}

/**
 * The sensor simulator: posts realistic readings to the ingest API at a target rate, retrying
 * 429, 503 and network errors with backoff (honouring Retry-After) and never another 4xx.
 */
export async function runSimulator(options: SimulatorOptions): Promise<SimulatorSummary> {
  const random = seededRandom(options.seed ?? Date.now())
  const signals = simulatedSensorIds(options.sensors).map((id) => new SensorSignal(id, random))
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  const pool = new Pool(options.targetUrl, { connections: options.concurrency, pipelining: 1 })
  const latency = createHistogram()
  const summary: SimulatorSummary = {
    sent: 0,
    accepted: 0,
    rejected: 0,
    failed: 0,
    retried: 0,
    requests: 0,
    elapsedS: 0,
    ratePerS: 0,
    latencyMs: { p50: 0, p95: 0, p99: 0, max: 0 },
  }
  const maxAttempts = options.maxAttempts ?? 10
  const startedAt = performance.now()
  const deadline = options.durationS > 0 ? startedAt + options.durationS * 1000 : Number.POSITIVE_INFINITY
  let claimed = 0
  let nextSensor = 0

  const stopped = () => options.signal?.aborted === true || performance.now() >= deadline
  const claim = (): number => {
    const remaining = options.count > 0 ? options.count - claimed : options.batch
    const size = Math.min(options.batch, remaining)
    claimed += Math.max(size, 0)
    return size
  }

  const makeBatch = (size: number): { items: unknown[]; valid: MeasurementInput[] } => {
    const items: unknown[] = []
    const valid: MeasurementInput[] = []
    const now = Date.now()
    for (let i = 0; i < size; i++) {
      const signal = signals[nextSensor++ % signals.length] as SensorSignal
      const reading = signal.next(now)
      if (options.faultyRatio > 0 && random() < options.faultyRatio)
        items.push(faultyReading(reading, random))
      else {
        items.push(reading)
        valid.push(reading)
      }
    }
    return { items, valid }
  }

  const send = async (items: unknown[], valid: MeasurementInput[]): Promise<void> => {
    const body = options.batch === 1 ? JSON.stringify(items[0]) : JSON.stringify(items)
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) summary.retried += 1
      const started = process.hrtime.bigint()
      let status = 0
      let retryAfter: string | undefined
      try {
        const response = await pool.request({
          path: '/measurements',
          method: 'POST',
          headers,
          body,
        })
        status = response.statusCode
        const header = response.headers['retry-after']
        retryAfter = Array.isArray(header) ? header[0] : header
        await response.body.dump()
      } catch {
        status = 0 // network error: the outcome is unknown, and retrying is safe
      }
      latency.record(Math.max(1, Number(process.hrtime.bigint() - started)))
      summary.requests += 1
      if (status === 202) {
        summary.accepted += items.length
        options.onAccepted?.(valid)
        return
      }
      if (status >= 400 && status < 500 && !isRetryableStatus(status)) {
        summary.rejected += items.length
        return
      }
      if (stopped() && options.signal?.aborted) break
      await sleep(retryDelayMs(attempt, retryAfter, random))
    }
    summary.failed += items.length
  }

  const worker = async (): Promise<void> => {
    while (!stopped()) {
      const size = claim()
      if (size <= 0) return
      if (options.rate > 0) {
        const dueAt = startedAt + ((claimed - size) / options.rate) * 1000
        const wait = dueAt - performance.now()
        if (wait > 0) await sleep(wait)
        if (stopped()) return
      }
      const { items, valid } = makeBatch(size)
      summary.sent += size
      await send(items, valid)
    }
  }

  const progress = options.onProgress
    ? setInterval(() => {
        const elapsed = (performance.now() - startedAt) / 1000
        options.onProgress?.(
          `t=${elapsed.toFixed(0)}s sent=${summary.sent} accepted=${summary.accepted} rejected=${summary.rejected} retried=${summary.retried} rate=${Math.round(summary.accepted / elapsed)}/s`,
        )
      }, 1000)
    : undefined
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker))
  } finally {
    if (progress) clearInterval(progress)
    await pool.close()
  }
  summary.elapsedS = (performance.now() - startedAt) / 1000
  summary.ratePerS = Math.round(summary.accepted / summary.elapsedS)
  const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100
  summary.latencyMs = {
    p50: ms(latency.percentile(50)),
    p95: ms(latency.percentile(95)),
    p99: ms(latency.percentile(99)),
    max: ms(latency.max),
  }
  return summary
}

export function formatSummary(summary: SimulatorSummary): string {
  const { latencyMs: l } = summary
  return [
    `sent ${summary.sent}, accepted ${summary.accepted}, rejected ${summary.rejected}, failed ${summary.failed}, retried ${summary.retried}`,
    `${summary.requests} requests in ${summary.elapsedS.toFixed(1)} s: ${summary.ratePerS} accepted measurements/s`,
    `request latency ms: p50 ${l.p50}, p95 ${l.p95}, p99 ${l.p99}, max ${l.max}`,
  ].join('\n')
}
