/**
 * One load-generator process: `node bench/lib/load-worker.ts '<LoadSpec as JSON>'`. It posts
 * measurements to the ingest API over an undici pool, closed loop (as fast as answers return) or
 * open loop (a fixed offered rate, whatever the answers do), and prints one LoadReport as JSON.
 * It never retries: a refused request is counted, not resent, so offered load stays what was asked.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { authHeaders } from '../../harness/credentials.ts'
import { LogHistogram } from './histogram.ts'

export interface LoadSpec {
  /** Base URL of the server, e.g. http://127.0.0.1:8080 */
  readonly url: string
  readonly path: string
  /** Measurements per request: 1 posts a bare JSON object, more post an array. */
  readonly batch: number
  readonly connections: number
  /** Offered measurements per second for this process; 0 = closed loop. */
  readonly ratePerS: number
  /** Wall-clock times (epoch ms): start, start of the measured window, end. */
  readonly startAtMs: number
  readonly measureFromMs: number
  readonly endAtMs: number
  readonly sensors: number
  /** Distinct per process, so that two processes never send the same (sensor_id, ms). */
  readonly sensorPrefix: string
  /** Open loop only: a request falling due while this many wait for an answer is skipped and counted. */
  readonly maxOutstanding: number
}

export interface LoadReport {
  requests: number
  /** Measurements answered 202. */
  accepted: number
  statuses: Record<string, number>
  networkErrors: number
  /** Open loop: requests not sent because maxOutstanding were already waiting. */
  skipped: number
  /** Measurements answered 202, per second since startAtMs (by answer time). */
  acceptedPerSecond: number[]
  /** Response time of the requests sent inside the measured window. */
  http: ReturnType<LogHistogram['toJSON']>
  /** Open loop: how late each request left compared with its schedule (the generator's own lag). */
  lateness: ReturnType<LogHistogram['toJSON']>
  cpuMs: number
  maxRssKb: number
}

function errorCode(body: string): string {
  try {
    return String((JSON.parse(body) as { code?: unknown }).code ?? '')
  } catch {
    return ''
  }
}

const TEMPERATURES = Array.from({ length: 997 }, (_, i) => (12 + (i % 211) / 10 + i / 1000).toFixed(2))

/** Builds request bodies as strings: JSON.stringify of objects would cost the generator twice the CPU. */
function bodyFactory(spec: LoadSpec) {
  const ids = Array.from({ length: spec.sensors }, (_, i) => `${spec.sensorPrefix}-${i.toString(36)}`)
  const lastMs = new Float64Array(spec.sensors)
  let nextSensor = 0
  let isoMs = -1
  let isoText = ''
  const item = (nowMs: number): string => {
    const sensor = nextSensor
    nextSensor = nextSensor + 1 === spec.sensors ? 0 : nextSensor + 1
    // (sensor_id, ts) is the idempotency key: a sensor's second reading in one ms would be dropped as a duplicate.
    const ts = nowMs > (lastMs[sensor] ?? 0) ? nowMs : (lastMs[sensor] ?? 0) + 1
    lastMs[sensor] = ts
    if (ts !== isoMs) {
      isoMs = ts
      isoText = new Date(ts).toISOString()
    }
    return `{"sensor_id":"${ids[sensor]}","temperature":${TEMPERATURES[(sensor + ts) % TEMPERATURES.length]},"timestamp":"${isoText}"}`
  }
  return (): string => {
    const now = Date.now()
    if (spec.batch === 1) return item(now)
    let body = `[${item(now)}`
    for (let i = 1; i < spec.batch; i++) body += `,${item(now)}`
    return `${body}]`
  }
}

export async function generateLoad(spec: LoadSpec): Promise<LoadReport> {
  const pool = new Pool(spec.url, {
    connections: spec.connections,
    pipelining: 1,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
    keepAliveTimeout: 60_000,
  })
  const nextBody = bodyFactory(spec)
  const http = new LogHistogram()
  const lateness = new LogHistogram()
  const report: LoadReport = {
    requests: 0,
    accepted: 0,
    statuses: {},
    networkErrors: 0,
    skipped: 0,
    acceptedPerSecond: [],
    http: http.toJSON(),
    lateness: lateness.toJSON(),
    cpuMs: 0,
    maxRssKb: 0,
  }
  const headers = { 'content-type': 'application/json', ...authHeaders() }
  let outstanding = 0
  // SIGTERM ends the run early but still reports, for scenarios whose length is only known as they go.
  let endAtMs = spec.endAtMs
  process.once('SIGTERM', () => {
    endAtMs = Math.min(endAtMs, Date.now())
  })

  const post = async (): Promise<number> => {
    const body = nextBody()
    const sentAt = performance.now()
    const sentWall = Date.now()
    outstanding += 1
    report.requests += 1
    let status = 0
    let code = ''
    try {
      const response = await pool.request({ path: spec.path, method: 'POST', headers, body })
      status = response.statusCode
      if (status === 202) await response.body.dump()
      else code = errorCode(await response.body.text())
    } catch {
      report.networkErrors += 1
    } finally {
      outstanding -= 1
    }
    const now = Date.now()
    if (sentWall >= spec.measureFromMs && sentWall < spec.endAtMs) http.record(performance.now() - sentAt)
    // Refusals are counted with their code: a 503 UNDER_PRESSURE and a 503 BROKER_UNAVAILABLE differ.
    const key = code ? `${status} ${code}` : String(status)
    if (status !== 0) report.statuses[key] = (report.statuses[key] ?? 0) + 1
    if (status === 202) {
      report.accepted += spec.batch
      const second = Math.floor((now - spec.startAtMs) / 1000)
      while (report.acceptedPerSecond.length <= second) report.acceptedPerSecond.push(0)
      report.acceptedPerSecond[second] = (report.acceptedPerSecond[second] ?? 0) + spec.batch
    }
    return status
  }

  await sleep(Math.max(0, spec.startAtMs - Date.now()))
  if (spec.ratePerS === 0) {
    const loop = async () => {
      while (Date.now() < endAtMs) {
        // A refused request returns at once; without a pause a 429 storm would only measure the generator.
        if ((await post()) !== 202) await sleep(5)
      }
    }
    await Promise.all(Array.from({ length: spec.connections }, loop))
  } else {
    const requestsPerMs = spec.ratePerS / spec.batch / 1000
    const started = performance.now()
    const startedWall = Date.now()
    let due = 0
    const inFlight = new Set<Promise<number>>()
    while (performance.now() - started < endAtMs - startedWall) {
      const elapsed = performance.now() - started
      const target = Math.floor(elapsed * requestsPerMs)
      while (due < target) {
        const dueAt = due / requestsPerMs
        due += 1
        if (outstanding >= spec.maxOutstanding) {
          report.skipped += 1
          continue
        }
        lateness.record(Math.max(0, elapsed - dueAt))
        const request = post()
        inFlight.add(request)
        void request.finally(() => inFlight.delete(request))
      }
      await sleep(1)
    }
    await Promise.all(inFlight)
  }
  await pool.close()
  const cpu = process.cpuUsage()
  report.cpuMs = Math.round((cpu.user + cpu.system) / 1000)
  report.maxRssKb = Math.round(process.resourceUsage().maxRSS)
  report.http = http.toJSON()
  report.lateness = lateness.toJSON()
  return report
}

if (import.meta.main) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec
  const report = await generateLoad(spec)
  process.stdout.write(`${JSON.stringify(report)}\n`)
}
