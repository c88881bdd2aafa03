/**
 * What tracing costs the pipeline: batched end to end (100 measurements a request) with tracing
 * off, at 1 % and at 100 % sampling, exported over OTLP/HTTP to a sink in this process. Each mode
 * has its own ingest and saver processes, all started once and kept running (idle but for the
 * mode whose turn it is); after one unmeasured warm-up window each, the load goes to one mode at a
 * time, window after window, their order rotated each round, so that a busy shared machine weighs
 * on each alike and compared windows are a minute apart, not several. With `--concurrent`, every
 * mode takes its load in the same window instead: the machine's moment-to-moment noise (CPU steal,
 * frequency, a neighbour's burst) then falls on both sides of each paired difference at once.
 * `--restart-every N` starts every pipeline again after each N rounds, their start order rotated by one.
 *
 *   node bench/tracing-overhead.bench.ts [rounds=2] [windowS=10] [--rate 8000] [--concurrent]
 *     [--restart-every N] [--conditions TEXT] [--modes off,1,100 (off,off,1: an off-against-off pair beside 1 %)] [--cpu-prof DIR] [--out bench/results]
 *
 * The figure that decides is the ingest + saver CPU per stored measurement (from /proc), with a
 * fixed offered rate (`--rate`, open loop) so every mode does the same work in the same batches;
 * `--rate 0` is the closed loop, as fast as answers return, whose throughput swings with the
 * machine. Each mode is compared with the off window of the same round (paired), and the results
 * go to `<out>/tracing-overhead-<time>.md`. `--cpu-prof DIR` writes a V8 profile of each role
 * process, covering the whole run (read them with `node bench/lib/tracing-profile-share.ts --last S`,
 * S the measured seconds, or `node bench/lib/profile-summary.ts`).
 *
 * Uses the services of `npm run services:up` (Kafka 9092, PostgreSQL 5433) with a database, topics
 * and group of its own per mode; one ingest and one saver process per mode, as in production.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import {
  cpuSecondsOf,
  freePortRange,
  loadAverage,
  metricSum,
  type RoleProcess,
  SHARED_DATABASE_URL,
  SHARED_KAFKA_BROKERS,
  scrapeMetrics,
  scratchDatabase,
  startRole,
  uniqueName,
} from '../harness/index.ts'
import { startLoad } from './lib/load.ts'
import { startOtlpSink } from './lib/otlp-sink.ts'
import { type TracingSample, tracingOverheadReport } from './lib/tracing-overhead-report.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rate: { type: 'string', default: '8000' },
    concurrent: { type: 'boolean', default: false },
    'restart-every': { type: 'string', default: '0' },
    conditions: { type: 'string', default: 'shared machine (other work running)' },
    modes: { type: 'string', default: 'off,1,100' },
    'cpu-prof': { type: 'string' },
    out: { type: 'string', default: 'bench/results' },
  },
})
const rounds = Number(positionals[0] ?? 2)
const windowS = Number(positionals[1] ?? 10)
const rate = Number(values.rate)
/** Rounds between restarts of every pipeline (0: never). */
const restartEvery = Number(values['restart-every'])
const KAFKA = SHARED_KAFKA_BROKERS.join(',')
const DATABASE_URL = SHARED_DATABASE_URL

interface Mode {
  readonly name: string
  /** A label fit for a file name (the CPU profiles). */
  readonly slug: string
  readonly ratio: number | undefined
}
const modeOf = (percent: string): Mode =>
  percent === 'off'
    ? { name: 'off', slug: 'off', ratio: undefined }
    : { name: `${percent} %`, slug: `${percent}pct`, ratio: Number(percent) / 100 }
/**
 * A mode given twice runs twice, its second pipeline named with a letter (`off,off,1`: `off`,
 * `off B`, `1 %`): off against off B is the bench's own difference between two identical
 * pipelines, the bias and noise any other mode's difference carries.
 */
const MODES: Mode[] = values.modes.split(',').map((percent, index, all) => {
  const mode = modeOf(percent)
  const repeat = all.slice(0, index).filter((earlier) => earlier === percent).length
  if (repeat === 0) return mode
  const letter = String.fromCharCode(65 + repeat)
  return { ...mode, name: `${mode.name} ${letter}`, slug: `${mode.slug}${letter}` }
})

/** One mode's roles, started once and kept running across the rounds, with their scratch database. */
interface Pipeline {
  readonly mode: Mode
  readonly url: string
  readonly ingest: RoleProcess
  readonly saver: RoleProcess
  readonly sensorPrefix: string
  stop(): Promise<void>
}

async function startPipeline(mode: Mode, sinkUrl: string): Promise<Pipeline> {
  const database = await scratchDatabase(DATABASE_URL, { prefix: 'bench_tracing' })
  const name = uniqueName('bench_tracing')
  const port = await freePortRange(2)
  const common = {
    kafka: KAFKA,
    topic: `${name}_temperatures`,
    'errors-topic': `${name}_errors`,
    'log-level': 'warn',
    // Ingest reads credentials and the registry from the database too: the scratch one, never the shared.
    'database-url': database.url,
    ...(mode.ratio !== undefined && { 'otlp-endpoint': sinkUrl, 'trace-sample-ratio': mode.ratio }),
  }
  const profiled = (role: string) =>
    values['cpu-prof'] ? { cpuProfDir: values['cpu-prof'], label: `${role}-${mode.slug}` } : {}
  const processes: RoleProcess[] = []
  const stop = async () => {
    await Promise.all(processes.map((proc) => proc.stop()))
    await database.drop()
  }
  try {
    const ingest = await startRole('ingest', {
      port,
      flags: common,
      startTimeoutMs: 180_000,
      ...profiled('ingest'),
    })
    processes.push(ingest)
    const saver = await startRole('saver', {
      port: port + 1,
      startTimeoutMs: 180_000,
      flags: { ...common, group: `${name}_saver` },
      ...profiled('saver'),
    })
    processes.push(saver)
    return { mode, url: `http://127.0.0.1:${port}`, ingest, saver, sensorPrefix: `${name}-`, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Loads one pipeline for `warmupS` + `windowS` seconds and measures its roles over the window. */
async function measureWindow(pipeline: Pipeline, round: number, warmupS: number): Promise<TracingSample> {
  const { ingest, saver } = pipeline
  const inserted = async () => metricSum(await scrapeMetrics(saver.url), 'flowline_rows_inserted_total')
  // CPU of each role from /proc: what tracing adds shows there whatever the machine's throughput.
  const cpu = (proc: RoleProcess) => cpuSecondsOf(proc.pid ?? -1)
  const load = startLoad({
    url: pipeline.url,
    batch: 100,
    connections: 32,
    ratePerS: rate,
    warmupS,
    durationS: windowS,
    processes: 1,
    sensorsPerProcess: 20_000,
    sensorPrefix: pipeline.sensorPrefix,
  })
  await sleep(load.windowStartMs - Date.now())
  const before = { stored: await inserted(), ingest: cpu(ingest), saver: cpu(saver) }
  await sleep(load.windowEndMs - Date.now())
  const after = { stored: await inserted(), ingest: cpu(ingest), saver: cpu(saver) }
  const result = await load.done
  const stored = Math.max(1, after.stored - before.stored)
  const perMeasurementUs = (seconds: number) => Math.round((seconds / stored) * 1e7) / 10
  return {
    round,
    mode: pipeline.mode.name,
    stored: Math.round(stored / windowS),
    accepted: result.acceptedRatePerS,
    p99: result.http.p99,
    ingestUs: perMeasurementUs(after.ingest - before.ingest),
    saverUs: perMeasurementUs(after.saver - before.saver),
    load1: loadAverage()[0],
  }
}

/**
 * Unmeasured, once per pipeline: JIT, pools, and the span processor's first export (5 s after the
 * first span), which loads Node's HTTP client, ~0.3 s of CPU once: start-up, not tracing's cost.
 */
const WARMUP_S = 15
/** Before each window: connections open and the rate settles. */
const WINDOW_WARMUP_S = 3
/** After each window: the loaded saver drains and the exporter sends before the next pipeline's turn. */
const SETTLE_MS = 3000

const sink = await startOtlpSink()
const samples: TracingSample[] = []
const pipelines: Pipeline[] = []
try {
  // Every mode's roles run from start to end, so that each window meets processes as warm as the
  // others', and modes alternate every window instead of every restart: one round takes a minute
  // or two, not several, and the machine drifts less between the windows it compares.
  // Started in the order given, then warmed up; `--restart-every` starts them again, rotated by one.
  const startAll = async (modes: readonly Mode[]) => {
    for (const mode of modes) pipelines.push(await startPipeline(mode, sink.url))
    // Side by side, the warm-up is too: every pipeline warms under the load it will be measured in.
    if (values.concurrent) {
      await Promise.all(pipelines.map((pipeline) => measureWindow(pipeline, 0, WARMUP_S)))
      await sleep(SETTLE_MS)
      return
    }
    for (const pipeline of pipelines) {
      await measureWindow(pipeline, 0, WARMUP_S)
      await sleep(SETTLE_MS)
    }
  }
  await startAll(MODES)
  const record = (sample: TracingSample) => {
    samples.push(sample)
    process.stderr.write(
      `round ${sample.round} ${sample.mode.padEnd(6)} stored ${sample.stored}/s accepted ${sample.accepted}/s HTTP p99 ${sample.p99} ms, ` +
        `CPU ingest ${sample.ingestUs} + saver ${sample.saverUs} µs/measurement, load ${sample.load1}\n`,
    )
  }
  for (let round = 1; round <= rounds; round++) {
    if (restartEvery > 0 && round > 1 && (round - 1) % restartEvery === 0) {
      // Fresh processes, the start order rotated by one: what one instance or one start position
      // happens to cost (its JIT, its ports, its database) does not stay on one mode's side. (A
      // reversal, as until 2026-12-04, left the middle one of three always in the middle.)
      const modes = pipelines.map((pipeline) => pipeline.mode)
      const order = [...modes.slice(1), ...modes.slice(0, 1)]
      await Promise.all(pipelines.splice(0).map((pipeline) => pipeline.stop()))
      await startAll(order)
    }
    // Rotated each round: no mode always runs first, or right after the heaviest one. Side by side
    // too (rows are recorded in this order): without rotation, the pipeline listed first, whose load
    // also started first, paid more per measurement in three of four blocks
    // (bench/results/tracing-overhead-2026-12-03T08-34.md).
    const order = pipelines.map((_, index) => pipelines[(index + round - 1) % pipelines.length] as Pipeline)
    if (values.concurrent) {
      const windows = await Promise.all(
        order.map((pipeline) => measureWindow(pipeline, round, WINDOW_WARMUP_S)),
      )
      windows.forEach(record)
      await sleep(SETTLE_MS)
      continue
    }
    for (const pipeline of order) {
      record(await measureWindow(pipeline, round, WINDOW_WARMUP_S))
      await sleep(SETTLE_MS)
    }
  }
} finally {
  await Promise.all(pipelines.map((pipeline) => pipeline.stop()))
  await sink.close()
}
const report = tracingOverheadReport(samples, {
  rounds,
  windowS,
  rate,
  concurrent: values.concurrent,
  restartEvery,
  conditions: values.conditions,
  exportedMb: sink.bytes() / 1e6,
})
const file = join(
  values.out,
  `tracing-overhead-${new Date().toISOString().slice(0, 16).replace(/:/g, '-')}.md`,
)
mkdirSync(values.out, { recursive: true })
writeFileSync(file, report)
process.stdout.write(`${report}\nwritten to ${file}\n`)
