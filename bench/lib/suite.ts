import { compareDrains, type DrainComparison } from './aggregate-drain.ts'
import {
  type HttpCeiling,
  httpCeiling,
  type KafkaCeiling,
  kafkaCeiling,
  type PostgresCeiling,
  postgresCopyCeiling,
  saverStatementCeiling,
} from './ceilings.ts'
import { type BenchContext, type E2EResult, type E2EScenario, measureE2E } from './e2e.ts'
import { type Quietness, waitForQuiet } from './machine.ts'
import { measureOutage, type OutageResult } from './memory.ts'
import { type BenchOptions, type Ceiling, wantsCeiling } from './options.ts'
import { benchStockDrain, type StockDrainComparison } from './stock-drain.ts'
import { wrkAvailable } from './wrk.ts'

export interface RunResult {
  readonly index: number
  readonly startedAt: string
  readonly seconds: number
  readonly ceilings: {
    kafkaDefault?: KafkaCeiling
    kafkaBatched?: KafkaCeiling
    postgresCopy?: PostgresCeiling
    saverStatement?: PostgresCeiling
    httpSingle?: HttpCeiling
    httpBatch100?: HttpCeiling
  }
  readonly e2e: Record<string, E2EResult>
  outage?: OutageResult
  /** Aggregator vs saver draining the same backlog, one process each. */
  aggregateDrain?: DrainComparison
  /** Stock movements vs measurements drained by one saver process each. */
  stockDrain?: StockDrainComparison
  /** How quiet the machine was before each measurement. */
  readonly quietness: Record<string, Quietness>
  readonly errors: Record<string, string>
}

/** Most records in each stock and measurement drain (10,000 skus, 4 partitions, two rounds each); `--pg-rows` lowers it. */
const STOCK_RECORDS = 200_000

const AGGREGATE_VARIANTS = ['bare', 'without', 'with', 'inline'] as const

/**
 * The aggregate part's variants in the order run `index` (0-based) runs them: rotated each run, so
 * none always comes first, on services just started, or last, behind the others' checkpoints and
 * autovacuum.
 */
function aggregateVariantsOf(index: number) {
  const shift = index % AGGREGATE_VARIANTS.length
  return [...AGGREGATE_VARIANTS.slice(shift), ...AGGREGATE_VARIANTS.slice(0, shift)]
}

/** The end-to-end scenarios of the selected parts of run `index`, in the order they run. */
export function scenariosOf(options: BenchOptions, singleTool: 'wrk' | 'node', index = 0): E2EScenario[] {
  const base = {
    mode: 'real' as const,
    ratePerS: 0,
    partitions: 4,
    savers: 1,
    loadProcesses: 1,
    tool: 'node' as const,
    warmupS: options.warmupS,
    durationS: options.durationS,
    drainLimitS: options.drainLimitS,
  }
  const list: E2EScenario[] = []
  const wants = (part: BenchOptions['only'][number]) => options.only.includes(part)
  if (wants('batched')) {
    // Fewer connections for big requests: 32 × 1000 stays under ingest's 50,000 in-flight budget.
    for (const batch of options.batches)
      list.push({ ...base, id: `batched-${batch}`, batch, connections: batch >= 1000 ? 32 : 64 })
  }
  // Open loop at a rate the savers can follow: the E2E rate with a bounded lag (see runSuite for the rate).
  if (wants('sustained'))
    list.push({ ...base, id: 'sustained-100', batch: 100, connections: 64, ratePerS: options.sustainedRate })
  if (wants('single'))
    list.push({
      ...base,
      id: 'single',
      batch: 1,
      connections: 128,
      tool: singleTool,
      loadProcesses: singleTool === 'wrk' ? 1 : 2,
    })
  if (wants('latency'))
    for (const rate of options.latencyRates)
      list.push({
        ...base,
        id: `latency-${rate}`,
        batch: options.latencyBatch,
        connections: 64,
        ratePerS: rate,
      })
  if (wants('scaling'))
    for (const n of options.scaling)
      list.push({ ...base, id: `scaling-p${n}-s${n}`, batch: 100, connections: 64, partitions: n, savers: n })
  if (wants('embedded'))
    list.push({ ...base, id: 'embedded-batched-100', mode: 'embedded', batch: 100, connections: 64 })
  // The cost of the platform's roles on the sensor pipeline: the same batched run bare (no auth, no
  // inventory consumers, no aggregator), with both but no aggregator, with an aggregator process,
  // and with the aggregator inside the saver (the default layout), back to back.
  if (wants('aggregate'))
    for (const variant of aggregateVariantsOf(index))
      list.push({
        ...base,
        id: `aggregate-batched-100-${variant}`,
        batch: 100,
        connections: 64,
        aggregators: variant === 'with' ? 1 : 0,
        inlineAggregator: variant === 'inline',
        bare: variant === 'bare',
      })
  return list
}

/**
 * The sustained run offers a fixed rate just below what the pipeline stored at max load, with ingest
 * running. The savers' drain rate after the load is no guide: it is measured with ingest idle, and
 * on a 2-core box ingest's CPU comes out of theirs (measured 2026-12-01: 85% of the drain rate,
 * 75,000/s offered, was not held; the max-load E2E rate was 70,000/s).
 */
function withSustainedRate(scenario: E2EScenario, result: RunResult): E2EScenario {
  if (scenario.ratePerS > 0) return scenario
  const stored = result.e2e['batched-100']?.e2eRatePerS ?? 0
  const rate = stored > 0 ? Math.max(1000, Math.floor((stored * 0.85) / 1000) * 1000) : 15_000
  return { ...scenario, ratePerS: rate }
}

/** Seconds of batched load that warm a freshly started broker up before the first measured run. */
const WARMUP_LOAD_S = 30

/**
 * Loads the private services once, unmeasured, when no ceiling will: a broker just started runs
 * interpreted and the first scenario paid for its JIT (the first run of an `--only aggregate`
 * bench stored 57–67k/s without an aggregator, the later ones 75–80k, 2026-12-05). Skipped for
 * short windows (`--quick`) and when a Kafka ceiling runs first.
 */
export async function warmUpServices(context: BenchContext, options: BenchOptions): Promise<void> {
  const firstIsReal = scenariosOf(options, 'node')[0]?.mode === 'real'
  const ceilingFirst =
    wantsCeiling(options.only, 'kafka-default') || wantsCeiling(options.only, 'kafka-batched')
  if (!firstIsReal || ceilingFirst || options.durationS < WARMUP_LOAD_S) return
  context.log(`warming the services up: ${WARMUP_LOAD_S} s of batched load, not measured`)
  const warm = measureE2E(context, {
    id: 'warmup',
    mode: 'real',
    batch: 100,
    connections: 64,
    ratePerS: 0,
    partitions: 4,
    savers: 1,
    loadProcesses: 1,
    tool: 'node',
    warmupS: 0,
    durationS: WARMUP_LOAD_S,
    drainLimitS: options.drainLimitS,
  })
  await warm.then(
    (result) => context.log(`  warm-up: ${result.e2eRatePerS}/s stored`),
    (error: unknown) =>
      context.log(`  warm-up failed, measuring anyway: ${(error as Error).message.split('\n')[0]}`),
  )
}

/** One repetition of everything selected. A failing part is recorded and the run goes on. */
export async function runSuite(
  context: BenchContext,
  options: BenchOptions,
  index: number,
): Promise<RunResult> {
  const started = Date.now()
  const singleTool = options.singleTool === 'auto' ? (wrkAvailable() ? 'wrk' : 'node') : options.singleTool
  const result: RunResult = {
    index,
    startedAt: new Date(started).toISOString(),
    seconds: 0,
    ceilings: {},
    e2e: {},
    quietness: {},
    errors: {},
  }
  const step = async (id: string, work: () => Promise<void>) => {
    result.quietness[id] = await waitForQuiet(options.maxLoadWaitS, options.loadThreshold)
    const q = result.quietness[id]
    context.log(
      `run ${index + 1}: ${id} (load ${q.loadAverage[0]}, ${q.busyCores} busy cores${q.quiet ? '' : ', NOT quiet'})`,
    )
    try {
      await work()
    } catch (error) {
      result.errors[id] = (error as Error).stack ?? String(error)
      context.log(`run ${index + 1}: ${id} FAILED: ${(error as Error).message.split('\n')[0]}`)
    }
  }
  // Each ceiling is a step of its own, so `--only ceiling.<name>` measures that one alone.
  const ceiling = (name: Ceiling, work: () => Promise<void>) =>
    wantsCeiling(options.only, name) ? step(`ceiling-${name}`, work) : undefined
  const http = { warmupS: Math.min(options.warmupS, 3), durationS: options.ceilingDurationS }
  await ceiling('kafka-default', async () => {
    result.ceilings.kafkaDefault = await kafkaCeiling(context, {
      records: options.kafkaRecords,
      partitions: 4,
      batched: false,
    })
  })
  await ceiling('kafka-batched', async () => {
    result.ceilings.kafkaBatched = await kafkaCeiling(context, {
      records: options.kafkaRecords,
      partitions: 4,
      batched: true,
    })
  })
  await ceiling('postgres-copy', async () => {
    result.ceilings.postgresCopy = await postgresCopyCeiling(context, options.pgRows)
  })
  await ceiling('saver-statement', async () => {
    result.ceilings.saverStatement = await saverStatementCeiling(context, options.pgRows, 5000)
  })
  await ceiling('http-single', async () => {
    result.ceilings.httpSingle = await httpCeiling({
      ...http,
      batch: 1,
      tool: singleTool,
      connections: 128,
      loadProcesses: singleTool === 'wrk' ? 1 : 2,
    })
  })
  await ceiling('http-batch100', async () => {
    result.ceilings.httpBatch100 = await httpCeiling({
      ...http,
      batch: 100,
      tool: 'node',
      connections: 64,
      loadProcesses: 1,
    })
  })
  for (const planned of scenariosOf(options, singleTool, index)) {
    await step(planned.id, async () => {
      const scenario = planned.id === 'sustained-100' ? withSustainedRate(planned, result) : planned
      const e2e = await measureE2E(context, scenario)
      result.e2e[scenario.id] = e2e
      context.log(
        `  ${scenario.id}: e2e ${e2e.e2eRatePerS}/s, accepted ${e2e.acceptedRatePerS}/s, kept up ${e2e.keptUp}, ` +
          `POST->row p99 ${e2e.latencyMs?.p99 ?? '-'} ms, http p99 ${e2e.http.p99} ms, ingest peak ${e2e.memoryMb.ingestPeak} MB`,
      )
    })
  }
  if (options.only.includes('aggregate')) {
    await step('aggregate-drain', async () => {
      result.aggregateDrain = await compareDrains(context, options.pgRows, 2)
    })
  }
  if (options.only.includes('outage')) {
    await step('outage', async () => {
      result.outage = await measureOutage(context, { ...options.outage, batch: 100 })
      context.log(`  outage: ingest RSS ${JSON.stringify(result.outage.rssMb)} MB`)
    })
  }
  if (options.only.includes('stock')) {
    await step('stock-drain', async () => {
      result.stockDrain = await benchStockDrain(context, Math.min(STOCK_RECORDS, options.pgRows))
      for (const drain of result.stockDrain.drains)
        context.log(
          `  ${drain.stream}: ${drain.steadyPerSecond ?? '–'}/s steady, ${drain.saverCpuUsPerRecord} µs saver CPU + ${drain.postgresCpuUsPerRecord} µs PostgreSQL CPU a record`,
        )
    })
  }
  return { ...result, seconds: Math.round((Date.now() - started) / 1000) }
}
