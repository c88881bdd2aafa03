import { execFile } from 'node:child_process'
import { createWriteStream, mkdirSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { finished } from 'node:stream/promises'
import { freePort, NodeProcess, waitForHttp } from '../../harness/index.ts'
import type { Measurement } from '../../src/domain/measurement.ts'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import type { BenchContext } from './e2e.ts'
import { type LoadResult, startLoad } from './load.ts'
import { coresBetween, cpuSnapshot } from './sampler.ts'
import { startWrkLoad } from './wrk.ts'

const TOOLS_LOG4J = new URL('../../scripts/kafka/tools-log4j2.xml', import.meta.url).pathname
const TRIVIAL_SERVER = new URL('./trivial-server.ts', import.meta.url).pathname

export interface KafkaCeiling {
  readonly producerProps: string
  readonly records: number
  readonly ratePerS: number
  readonly mbPerS: number
  readonly latencyMs: {
    readonly avg: number
    readonly p50: number
    readonly p95: number
    readonly p99: number
  }
  readonly cores: Record<string, number>
}

function run(command: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${error.message}\n${stderr.slice(-2000)}`))
      else resolve(stdout)
    })
  })
}

/**
 * Kafka's own ProducerPerformance on the same broker: 90-byte records, acks=all, idempotent, to a
 * topic with as many partitions as the pipeline's. Run with the JIT at full strength (kafka-cli
 * starts tools C1-only, which would understate the client). Once with the producer's defaults and
 * once with large batches, which is what Flowline's coalescer does (up to 5,000 records a request).
 */
export async function kafkaCeiling(
  context: BenchContext,
  options: { readonly records: number; readonly partitions: number; readonly batched: boolean },
): Promise<KafkaCeiling> {
  const { services } = context
  const topic = `${context.tag}_ceiling_${options.batched ? 'batched' : 'default'}_${Date.now().toString(36)}`
  await services.createTopic(topic, options.partitions)
  const cacheDir = process.env.FLOWLINE_CACHE_DIR ?? `${homedir()}/.cache/flowline`
  const props = [
    `bootstrap.servers=${services.kafkaBrokers}`,
    'acks=all',
    'enable.idempotence=true',
    ...(options.batched ? ['batch.size=524288', 'linger.ms=10'] : []),
  ]
  const groups = { kafka: () => [services.kafkaPid() ?? -1] }
  try {
    const before = cpuSnapshot(groups)
    const output = await run(
      'java',
      [
        '-Xmx512m',
        `-Dlog4j2.configurationFile=${TOOLS_LOG4J}`,
        '-cp',
        `${cacheDir}/kafka-${services.kafkaVersion}/libs/*`,
        'org.apache.kafka.tools.ProducerPerformance',
        '--topic',
        topic,
        '--num-records',
        String(options.records),
        '--record-size',
        '90',
        '--throughput',
        '-1',
        '--producer-props',
        ...props,
      ],
      900_000,
    )
    const after = cpuSnapshot(groups)
    // "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, ..."
    const last = output.trim().split('\n').pop() ?? ''
    const numbers = [
      ...last.matchAll(/([\d.]+) (?:records\/sec|MB\/sec|ms avg|ms 50th|ms 95th|ms 99th)/g),
    ].map((match) => Number(match[1]))
    if (numbers.length < 6) throw new Error(`unexpected ProducerPerformance output: ${last}`)
    const [ratePerS, mbPerS, avg, p50, p95, p99] = numbers as [number, number, number, number, number, number]
    return {
      producerProps: props.slice(1).join(' '),
      records: options.records,
      ratePerS: Math.round(ratePerS),
      mbPerS,
      latencyMs: { avg, p50, p95, p99 },
      // The client JVM is not listed separately: it is everything the machine did beyond the broker.
      cores: coresBetween(before, after, 0),
    }
  } finally {
    await services.deleteTopics([topic])
  }
}

export interface PostgresCeiling {
  readonly method: string
  readonly rows: number
  readonly seconds: number
  readonly ratePerS: number
}

/** Rows like the pipeline's: many sensors, unique (sensor_id, ts), ISO timestamps. */
function* rowsOf(count: number, sensors = 20_000): Generator<Measurement> {
  const base = Date.now() - count
  for (let i = 0; i < count; i++) {
    yield {
      sensorId: `copy-${(i % sensors).toString(36)}`,
      temperature: Math.round((12 + (i % 211) / 10) * 100) / 100,
      timestampMs: base + Math.floor(i / sensors) * 1000 + (i % 1000),
    }
  }
}

async function freshDatabase(context: BenchContext, suffix: string) {
  const name = `${context.tag}_ceiling_${suffix}`.toLowerCase()
  const url = await context.services.createDatabase(name)
  const storage = new PostgresStorage({ connectionString: url })
  await storage.migrate()
  return { name, url, storage }
}

/**
 * PostgreSQL's own bulk path: one COPY through psql into the same table with the same indexes.
 * COPY does not maintain the `sensors` summary, which the saver's statement does as well.
 */
export async function postgresCopyCeiling(context: BenchContext, rows: number): Promise<PostgresCeiling> {
  const { name, url, storage } = await freshDatabase(context, 'copy')
  await storage.close()
  const dir = `${context.services.options.stateDir}/ceiling`
  mkdirSync(dir, { recursive: true })
  const csv = `${dir}/${name}.csv`
  try {
    const out = createWriteStream(csv)
    let chunk = ''
    for (const row of rowsOf(rows)) {
      chunk += `${row.sensorId},${row.temperature},${new Date(row.timestampMs).toISOString()}\n`
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve))
        chunk = ''
      }
    }
    out.end(chunk)
    await finished(out)
    const started = performance.now()
    await run(
      'psql',
      [
        url,
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        `\\copy measurements (sensor_id, temperature, ts) FROM '${csv}' WITH (FORMAT csv)`,
      ],
      900_000,
    )
    const seconds = (performance.now() - started) / 1000
    return {
      method: 'psql \\copy (COPY FROM STDIN), one transaction',
      rows,
      seconds: round(seconds),
      ratePerS: Math.round(rows / seconds),
    }
  } finally {
    rmSync(csv, { force: true })
    await context.services.dropDatabase(name)
  }
}

/**
 * The saver's own statement without Kafka: MeasurementsRepository.insertBatch in batches of
 * `batchSize`, one after another, as one saver does. Tells apart the SQL's cost from the consumer's.
 */
export async function saverStatementCeiling(
  context: BenchContext,
  rows: number,
  batchSize: number,
): Promise<PostgresCeiling> {
  const { name, storage } = await freshDatabase(context, 'statement')
  try {
    const repository = new MeasurementsRepository(storage.db)
    const all = [...rowsOf(rows)]
    const started = performance.now()
    for (let offset = 0; offset < all.length; offset += batchSize)
      await repository.insertBatch(all.slice(offset, offset + batchSize))
    const seconds = (performance.now() - started) / 1000
    return {
      method: `MeasurementsRepository.insertBatch, ${batchSize} rows per statement, sequential`,
      rows,
      seconds: round(seconds),
      ratePerS: Math.round(rows / seconds),
    }
  } finally {
    await storage.close()
    await context.services.dropDatabase(name)
  }
}

export interface HttpCeiling {
  readonly batch: number
  readonly tool: 'node' | 'wrk'
  readonly connections: number
  readonly requestsPerS: number
  readonly measurementsPerS: number
  readonly http: LoadResult['http']
  readonly cores: Record<string, number>
}

/** Fastify on a trivial route (parse the JSON body, answer 202) with the same generator as the E2E runs. */
export async function httpCeiling(options: {
  readonly batch: number
  readonly tool: 'node' | 'wrk'
  readonly connections: number
  readonly loadProcesses: number
  readonly warmupS: number
  readonly durationS: number
}): Promise<HttpCeiling> {
  const port = await freePort()
  const server = new NodeProcess('trivial-server', [TRIVIAL_SERVER, String(port)])
  try {
    await waitForHttp(server, `http://127.0.0.1:${port}/health`)
    const plan = {
      url: `http://127.0.0.1:${port}`,
      batch: options.batch,
      connections: options.connections,
      ratePerS: 0,
      warmupS: options.warmupS,
      durationS: options.durationS,
      processes: options.loadProcesses,
      sensorsPerProcess: 20_000,
      sensorPrefix: 'ceiling-',
    }
    const load = options.tool === 'wrk' ? startWrkLoad(plan) : startLoad(plan)
    const groups = { server: () => [server.pid] }
    const snapshot = async (atMs: number) => {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, atMs - Date.now())))
      return cpuSnapshot(groups)
    }
    const [start, end] = [snapshot(load.windowStartMs), snapshot(load.windowEndMs)]
    const result = await load.done
    return {
      batch: options.batch,
      tool: options.tool,
      connections: options.connections,
      requestsPerS: Math.round(result.acceptedRatePerS / options.batch),
      measurementsPerS: result.acceptedRatePerS,
      http: result.http,
      cores: coresBetween(await start, await end, result.cores),
    }
  } finally {
    await server.stop()
  }
}

const round = (value: number) => Math.round(value * 100) / 100
