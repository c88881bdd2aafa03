import { setTimeout as sleep } from 'node:timers/promises'
import { loadAverage, memoryOf } from '../../harness/index.ts'
import type { Percentiles } from './histogram.ts'
import { type LoadPlan, type LoadResult, startLoad } from './load.ts'
import { type Pipeline, startPipeline } from './pipeline.ts'
import {
  coresBetween,
  counterAt,
  cpuSnapshot,
  type ProcessGroups,
  startTimeline,
  type TimelinePoint,
} from './sampler.ts'
import type { BenchServices } from './services.ts'
import { startWrkLoad } from './wrk.ts'

export interface E2EScenario {
  readonly id: string
  readonly mode: 'real' | 'embedded'
  /** Measurements per request. */
  readonly batch: number
  readonly connections: number
  /** Offered measurements/s; 0 = max (closed loop). */
  readonly ratePerS: number
  readonly partitions: number
  readonly savers: number
  /** Window aggregator processes beside the savers (0: none). */
  readonly aggregators?: number
  /** The aggregator inside each saver (`--inline-aggregator`). */
  readonly inlineAggregator?: boolean
  /**
   * The sensor pipeline alone: ingest with `--auth off` and savers consuming only `measurements`
   * (by default they also run the inventory streams' consumers).
   */
  readonly bare?: boolean
  readonly loadProcesses: number
  readonly tool: 'node' | 'wrk'
  readonly warmupS: number
  readonly durationS: number
  /** Longest wait for the savers to catch up after the load; 0 = max(60 s, twice the window). */
  readonly drainLimitS: number
}

export interface BenchContext {
  readonly services: BenchServices
  /** Prefix of every database, topic and group name of this invocation. */
  readonly tag: string
  readonly cpuProfDir?: string
  readonly ingestFlags?: Readonly<Record<string, string | boolean>>
  readonly saverFlags?: Readonly<Record<string, string | boolean>>
  readonly aggregateFlags?: Readonly<Record<string, string | boolean>>
  readonly ingestNodeFlags?: readonly string[]
  readonly saverNodeFlags?: readonly string[]
  log(line: string): void
}

export interface E2EResult {
  readonly scenario: E2EScenario
  /** Rows whose transaction committed inside the window, per second: the end-to-end throughput. */
  readonly e2eRatePerS: number
  readonly acceptedRatePerS: number
  readonly producedRatePerS: number
  /** Records Kafka acknowledged but not yet inserted, at the window's start and end and at worst. */
  readonly lag: { readonly start: number; readonly end: number; readonly max: number }
  /** Time from the end of the load until every acknowledged record was inserted, and the rate meanwhile. */
  readonly drain: { readonly seconds: number; readonly ratePerS: number; readonly complete: boolean }
  readonly keptUp: boolean
  /**
   * The aggregators (scenarios with any): records produced but not yet consumed by them at the
   * window's end and at worst, the time after the load until they had consumed everything, and
   * whether they kept up (lag at the end under AGGREGATOR_KEPT_UP_S of input, drained within it).
   */
  readonly aggregator?: {
    readonly lagEnd: number
    readonly lagMax: number
    readonly lagEndS: number
    readonly drainS: number
    readonly complete: boolean
    readonly keptUp: boolean
  }
  /** POST (client send time) -> commit of the row's transaction, for rows sent inside the window. */
  readonly latencyMs: Percentiles | null
  readonly http: Percentiles
  readonly load: Omit<LoadResult, 'http'>
  readonly cores: Record<string, number>
  /**
   * CPU each component spent per measurement it handled in the window, in µs: ingest and the
   * generator per measurement answered 202, Kafka per record produced, savers and PostgreSQL per
   * row committed. Their sum says how many cores a given rate needs on this machine.
   */
  readonly cpuMicrosPerMeasurement: Record<string, number>
  readonly memoryMb: Record<string, number>
  readonly loadAverage: { readonly before: number[]; readonly after: number[] }
  readonly timeline: readonly TimelinePoint[]
}

let sequence = 0

/**
 * An aggregator batches for up to --aggregate-batch-wait before it merges (readings of a sensor
 * then share one row write), so its lag swings by a few seconds of input: it kept up when its lag
 * at the window's end was under this many seconds of input and it drained within as long.
 */
export const AGGREGATOR_KEPT_UP_S = 15

/**
 * One end-to-end measurement: start the pipeline, prime it, offer load for warm-up + window,
 * wait for the savers to drain, then read the figures of the window from PostgreSQL itself.
 */
export async function measureE2E(context: BenchContext, scenario: E2EScenario): Promise<E2EResult> {
  sequence += 1
  const name = `${context.tag}_${sequence}_${scenario.id.replace(/\W+/g, '_')}`.toLowerCase()
  const pipeline = await startPipeline(context.services, {
    mode: scenario.mode,
    partitions: scenario.partitions,
    savers: scenario.savers,
    aggregators: scenario.aggregators ?? 0,
    inlineAggregator: scenario.inlineAggregator,
    name,
    cpuProfDir: context.cpuProfDir,
    ingestFlags: scenario.bare ? { ...context.ingestFlags, auth: 'off' } : context.ingestFlags,
    saverFlags: scenario.bare ? { ...context.saverFlags, streams: 'measurements' } : context.saverFlags,
    aggregateFlags: context.aggregateFlags,
    ingestNodeFlags: context.ingestNodeFlags,
    saverNodeFlags: context.saverNodeFlags,
  })
  try {
    await pipeline.prime()
    return await measure(context, scenario, pipeline, name)
  } finally {
    await pipeline.stop()
  }
}

async function measure(
  context: BenchContext,
  scenario: E2EScenario,
  pipeline: Pipeline,
  name: string,
): Promise<E2EResult> {
  const { services } = context
  const real = scenario.mode === 'real'
  const groups: ProcessGroups = {
    ingest: () => [pipeline.ingest.pid],
    savers: () => pipeline.savers.map((proc) => proc.pid),
    kafka: () => (real ? [services.kafkaPid() ?? -1] : []),
    postgres: () => (real ? services.postgresPids() : []),
    ...(pipeline.aggregators.length > 0 && {
      aggregators: () => pipeline.aggregators.map((proc) => proc.pid),
    }),
  }
  const plan: LoadPlan = {
    url: pipeline.ingestUrl,
    batch: scenario.batch,
    connections: scenario.connections,
    ratePerS: scenario.ratePerS,
    warmupS: scenario.warmupS,
    durationS: scenario.durationS,
    processes: scenario.loadProcesses,
    sensorsPerProcess: 20_000,
    sensorPrefix: `${name}-`,
  }
  const loadBefore = loadAverage()
  const load = scenario.tool === 'wrk' ? startWrkLoad(plan) : startLoad(plan)
  const timeline = startTimeline(load.windowStartMs, pipeline.ingest.pid, pipeline.counters)
  const snapshotAt = async (atMs: number) => {
    await sleep(Math.max(0, atMs - Date.now()))
    return cpuSnapshot(groups)
  }
  const cpuStart = snapshotAt(load.windowStartMs)
  const cpuEnd = snapshotAt(load.windowEndMs)
  let loadResult: LoadResult
  try {
    loadResult = await load.done
  } catch (error) {
    await timeline.stop()
    throw error
  }
  const cores = coresBetween(await cpuStart, await cpuEnd, loadResult.cores)
  const loadAfter = loadAverage()

  const drainStartedMs = Date.now()
  const atDrainStart = await pipeline.counters()
  const drainLimitMs = (scenario.drainLimitS || Math.max(60, scenario.durationS * 2)) * 1000
  let current = atDrainStart
  let savedAt: number | undefined
  let inserted = current.inserted
  const aggregatedAll = (c: typeof current) => c.aggregated === undefined || c.aggregated >= c.produced
  while (
    (current.inserted < current.produced || !aggregatedAll(current)) &&
    Date.now() - drainStartedMs < drainLimitMs
  ) {
    await sleep(250)
    current = await pipeline.counters()
    if (savedAt === undefined) inserted = current.inserted
    if (savedAt === undefined && current.inserted >= current.produced) savedAt = Date.now()
  }
  // The savers' drain ends when they had inserted everything, even if the aggregators took longer.
  const drainS = ((savedAt ?? Date.now()) - drainStartedMs) / 1000
  const aggregatorDrainS = (Date.now() - drainStartedMs) / 1000
  await timeline.stop()

  const memoryMb: Record<string, number> = {
    ingestPeak: mb(memoryOf(pipeline.ingest.pid)?.hwmKb),
    ingestMaxSampled: Math.max(0, ...timeline.points.map((point) => point.ingestRssMb)),
    ingestAnonMaxSampled: Math.max(0, ...timeline.points.map((point) => point.ingestAnonMb)),
    loadGeneratorPeak: mb(loadResult.maxRssKb),
  }
  pipeline.savers.forEach((proc, index) => {
    memoryMb[`saver${index}Peak`] = mb(memoryOf(proc.pid)?.hwmKb)
  })
  if (real) {
    memoryMb.kafkaRss = mb(memoryOf(services.kafkaPid() ?? -1)?.rssKb)
    memoryMb.postgresLargestProcessRss = Math.max(
      0,
      ...services.postgresPids().map((pid) => mb(memoryOf(pid)?.rssKb)),
    )
  }

  const points = timeline.points
  const at = (tS: number) => ({
    produced: counterAt(points, tS, (p) => p.produced),
    inserted: counterAt(points, tS, (p) => p.inserted),
  })
  const start = at(0)
  const end = at(scenario.durationS)
  const lagOf = (c: { produced: number; inserted: number }) =>
    Math.max(0, Math.round(c.produced - c.inserted))
  const windowLags = points.filter((p) => p.tS >= 0 && p.tS <= scenario.durationS).map(lagOf)
  const producedRatePerS = Math.round((end.produced - start.produced) / scenario.durationS)
  const lag = { start: lagOf(start), end: lagOf(end), max: Math.max(lagOf(start), lagOf(end), ...windowLags) }

  let e2eRatePerS = Math.round((end.inserted - start.inserted) / scenario.durationS)
  let latencyMs: Percentiles | null = null
  if (real && pipeline.database) {
    const window = await windowFromDatabase(services, pipeline.database, load.windowStartMs, load.windowEndMs)
    e2eRatePerS = Math.round(window.committed / scenario.durationS)
    latencyMs = window.latency
  }
  const drainRatePerS = drainS > 0 ? Math.round((inserted - atDrainStart.inserted) / drainS) : 0
  let aggregator: E2EResult['aggregator']
  if (current.aggregated !== undefined) {
    const aggregatedAt = (tS: number) => counterAt(points, tS, (p) => p.aggregated ?? 0)
    const behind = (tS: number) => Math.max(0, Math.round(at(tS).produced - aggregatedAt(tS)))
    const lags = points
      .filter((p) => p.tS >= 0 && p.tS <= scenario.durationS)
      .map((p) => Math.max(0, p.produced - (p.aggregated ?? 0)))
    const lagEnd = behind(scenario.durationS)
    const lagEndS = producedRatePerS > 0 ? Math.round((lagEnd / producedRatePerS) * 10) / 10 : 0
    const complete = aggregatedAll(current)
    aggregator = {
      lagEnd,
      lagMax: Math.max(lagEnd, behind(0), ...lags),
      lagEndS,
      drainS: Math.round(aggregatorDrainS * 10) / 10,
      complete,
      keptUp: complete && lagEndS <= AGGREGATOR_KEPT_UP_S && aggregatorDrainS <= AGGREGATOR_KEPT_UP_S,
    }
  }
  const { http, ...loadRest } = loadResult
  return {
    scenario,
    e2eRatePerS,
    acceptedRatePerS: loadResult.acceptedRatePerS,
    producedRatePerS,
    lag,
    drain: {
      seconds: Math.round(drainS * 10) / 10,
      ratePerS: drainRatePerS,
      complete: current.inserted >= current.produced,
    },
    // Kept up: the backlog grew by less than one second of input, and emptied within 5 s after the load.
    keptUp: lag.end - lag.start <= Math.max(producedRatePerS, 1000) && drainS <= 5,
    ...(aggregator && { aggregator }),
    latencyMs,
    http,
    load: loadRest,
    cores,
    cpuMicrosPerMeasurement: costPerMeasurement(cores, {
      ingest: loadResult.acceptedRatePerS,
      load: loadResult.acceptedRatePerS,
      kafka: producedRatePerS,
      savers: e2eRatePerS,
      aggregators: e2eRatePerS,
      postgres: e2eRatePerS,
    }),
    memoryMb,
    loadAverage: { before: loadBefore, after: loadAfter },
    timeline: points,
  }
}

const mb = (kb: number | undefined) => Math.round((kb ?? 0) / 1024)

function costPerMeasurement(
  cores: Record<string, number>,
  rates: Record<string, number>,
): Record<string, number> {
  const cost: Record<string, number> = {}
  let total = 0
  for (const [group, rate] of Object.entries(rates)) {
    const used = cores[group]
    if (used === undefined || rate <= 0 || used <= 0) continue
    cost[group] = Math.round((used / rate) * 1e7) / 10
    total += cost[group] ?? 0
  }
  cost.total = Math.round(total * 10) / 10
  return cost
}

/**
 * Rows committed inside the window (by their transaction's commit timestamp, which
 * track_commit_timestamp records), and the latency of rows sent inside it: commit time minus
 * the measurement's timestamp, which the load generator set to its send time. Both clocks are
 * this machine's CLOCK_REALTIME; the timestamp has ms precision, so latency reads up to 1 ms high.
 */
async function windowFromDatabase(
  services: BenchServices,
  database: string,
  fromMs: number,
  toMs: number,
): Promise<{ committed: number; latency: Percentiles }> {
  const [row] = await services.query<{
    committed: string
    sent: string
    pct: number[] | null
    max: number | null
    mean: number | null
  }>(
    `WITH m AS (
       SELECT ts, pg_xact_commit_timestamp(xmin) AS committed FROM measurements
     ), w AS (
       SELECT committed, ts, (extract(epoch FROM committed - ts) * 1000)::float8 AS latency FROM m
     )
     SELECT count(*) FILTER (WHERE committed >= $1 AND committed < $2) AS committed,
            count(*) FILTER (WHERE ts >= $1 AND ts < $2) AS sent,
            percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY latency)
              FILTER (WHERE ts >= $1 AND ts < $2) AS pct,
            max(latency) FILTER (WHERE ts >= $1 AND ts < $2) AS max,
            avg(latency) FILTER (WHERE ts >= $1 AND ts < $2) AS mean
     FROM w`,
    [new Date(fromMs), new Date(toMs)],
    database,
  )
  const round = (value: number | null | undefined) => Math.round((value ?? 0) * 10) / 10
  return {
    committed: Number(row?.committed ?? 0),
    latency: {
      count: Number(row?.sent ?? 0),
      p50: round(row?.pct?.[0]),
      p95: round(row?.pct?.[1]),
      p99: round(row?.pct?.[2]),
      max: round(row?.max),
      mean: round(row?.mean),
    },
  }
}
