import { metricSum, type RoleProcess } from '../../harness/index.ts'
import type { HeapProbe } from './heap-probe.ts'
import type { RequestRecord } from './history.ts'
import type { ScenarioRun } from './scenario-run.ts'

/**
 * P4 during a broker outage: requests sent after the outage began and answered before it ended
 * must be refused with 503 or 429 and a Retry-After, never 202 (a deliberately invalid request
 * may get its 400), and ingest must answer every one of them (no timeout, no dropped connection).
 */
export function checkBrokerOutage(
  run: ScenarioRun,
  fromMs: number,
  toMs: number,
  what: string,
): RequestRecord[] {
  const inside = run.history.within(fromMs, toMs)
  const accepted = inside.filter((record) => record.status === 202)
  const unexpected = inside.filter(
    (record) => record.status !== 503 && record.status !== 429 && !(record.invalid && record.status === 400),
  )
  const noRetryAfter = inside.filter(
    (record) => (record.status === 503 || record.status === 429) && record.retryAfter === null,
  )
  const describe = (records: RequestRecord[]) =>
    Object.entries(run.history.statusHistogram(records))
      .map(([status, n]) => `${status} ×${n}`)
      .join(', ')
  const described = describe(inside)
  run.check(
    `no 202 while ${what}`,
    accepted.length === 0 && inside.length > 0,
    `${inside.length} requests inside the window: ${described}`,
  )
  run.check(
    `only 503/429 while ${what}`,
    unexpected.length === 0,
    unexpected.length === 0
      ? 'every answer was 503 or 429 (or 400 for a deliberately invalid body)'
      : `unexpected: ${describe(unexpected)} (of ${described})`,
  )
  run.check(
    `Retry-After on every 503/429 while ${what}`,
    noRetryAfter.length === 0,
    `${noRetryAfter.length} refusals without Retry-After`,
  )
  const latencies = inside.map((record) => record.endMs - record.startMs).sort((a, b) => a - b)
  run.metrics.outageAnswerMs = {
    p50: latencies[Math.floor(latencies.length / 2)] ?? null,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? null,
    max: latencies.at(-1) ?? null,
  }
  return inside
}

export interface MemorySamples {
  /** [seconds, MiB] from /proc/<pid>/status VmRSS, every second. */
  readonly rss: [number, number][]
  /** [seconds, MiB of heap in use right after a forced full GC], every 10 s. */
  readonly liveHeap: [number, number][]
  /** [seconds, records waiting for Kafka] from the role's /metrics, every 10 s. */
  readonly inFlight: [number, number][]
}

/** Samples a process's memory until the returned function is called. */
export function sampleMemory(run: ScenarioRun, process: RoleProcess, heap: HeapProbe): () => MemorySamples {
  const samples: MemorySamples = { rss: [], liveHeap: [], inFlight: [] }
  const rssTimer = setInterval(() => {
    const kb = process.rssKb()
    if (kb !== undefined) samples.rss.push([run.elapsedS(), Math.round(kb / 102.4) / 10])
  }, 1000)
  const heapTimer = setInterval(async () => {
    const at = run.elapsedS()
    const live = await heap.liveHeapMiB().catch(() => null)
    if (live !== null) samples.liveHeap.push([at, live])
    const text = await process.metrics()
    if (text) samples.inFlight.push([at, metricSum(text, 'flowline_ingest_in_flight_records')])
  }, 10_000)
  return () => {
    clearInterval(rssTimer)
    clearInterval(heapTimer)
    return samples
  }
}

/**
 * Every role must be running at the end. A role that exited on its own during the faults was
 * restarted by the harness as `restart: on-failure` would; that is reported as a note (the data
 * checks say whether it cost anything), with the reason from its log.
 */
export function checkAlive(run: ScenarioRun, processes: readonly RoleProcess[]): void {
  const dead = processes.filter((process) => !process.running)
  run.check(
    'every role process is running at the end',
    dead.length === 0,
    dead.length === 0
      ? processes.map((process) => process.label).join(', ')
      : `not running: ${dead.map((p) => p.label).join(', ')}`,
  )
  run.check(
    'no role process exited on its own',
    run.selfExits.length === 0,
    run.selfExits.length === 0
      ? 'none'
      : run.selfExits
          .map((exit) => `${exit.label} at ${exit.atS} s (code ${exit.code}): ${exit.reason}`)
          .join('; '),
    true,
  )
}
