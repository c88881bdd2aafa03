/**
 * What tracing costs the pipeline: batched end to end (100 measurements a request, closed loop)
 * with tracing off, at 1 % and at 100 % sampling, exported over OTLP/HTTP to a sink in this
 * process. Modes are interleaved round by round so that a busy shared machine weighs on each alike.
 *
 *   node bench/tracing-overhead.bench.ts [rounds=2] [windowS=10]
 *
 * Uses the services of `npm run services:up` (Kafka 9092, PostgreSQL 5433) with a database, topics
 * and group of its own per run; one ingest and one saver process, as in production.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  cpuSecondsOf,
  freePortRange,
  metricSum,
  type RoleProcess,
  scrapeMetrics,
  scratchDatabase,
  startRole,
  uniqueName,
} from '../harness/index.ts'
import { startLoad } from './lib/load.ts'

const rounds = Number(process.argv[2] ?? 2)
const windowS = Number(process.argv[3] ?? 10)
const KAFKA = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://flowline:flowline@127.0.0.1:5433/flowline'
const MODES = [
  { name: 'off', flags: {} },
  { name: '1 %', flags: { 'trace-sample-ratio': 0.01 } },
  { name: '100 %', flags: { 'trace-sample-ratio': 1 } },
] as const

/** An OTLP/HTTP sink: reads and counts what the roles export, answers 200. */
async function startSink() {
  let bytes = 0
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length
    })
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => bytes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

async function measure(mode: (typeof MODES)[number], sinkUrl: string) {
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
    ...(mode.name === 'off' ? {} : { 'otlp-endpoint': sinkUrl }),
    ...mode.flags,
  }
  const processes: RoleProcess[] = []
  try {
    processes.push(await startRole('ingest', { port, flags: common, startTimeoutMs: 180_000 }))
    const saver = await startRole('saver', {
      port: port + 1,
      startTimeoutMs: 180_000,
      flags: { ...common, group: `${name}_saver` },
    })
    processes.push(saver)
    const inserted = async () => metricSum(await scrapeMetrics(saver.url), 'flowline_rows_inserted_total')
    // CPU of ingest and saver: less swayed by other tenants of a shared machine than throughput.
    const cpu = () => processes.reduce((total, proc) => total + cpuSecondsOf(proc.pid ?? -1), 0)
    const load = startLoad({
      url: `http://127.0.0.1:${port}`,
      batch: 100,
      connections: 32,
      ratePerS: 0,
      warmupS: 3,
      durationS: windowS,
      processes: 1,
      sensorsPerProcess: 20_000,
      sensorPrefix: `${name}-`,
    })
    await sleep(load.windowStartMs - Date.now())
    const before = await inserted()
    const cpuBefore = cpu()
    await sleep(load.windowEndMs - Date.now())
    const after = await inserted()
    const cpuUs = Math.round(((cpu() - cpuBefore) / Math.max(1, after - before)) * 1e7) / 10
    const result = await load.done
    return {
      stored: Math.round((after - before) / windowS),
      accepted: result.acceptedRatePerS,
      p99: result.http.p99,
      cpuUs,
    }
  } finally {
    await Promise.all(processes.map((proc) => proc.stop()))
    await database.drop()
  }
}

const sink = await startSink()
const results = new Map<string, Array<{ stored: number; accepted: number; p99: number; cpuUs: number }>>()
for (let round = 1; round <= rounds; round++) {
  for (const mode of MODES) {
    const result = await measure(mode, sink.url)
    results.set(mode.name, [...(results.get(mode.name) ?? []), result])
    process.stderr.write(
      `round ${round} ${mode.name.padEnd(6)} stored ${result.stored}/s accepted ${result.accepted}/s HTTP p99 ${result.p99} ms, ingest+saver CPU ${result.cpuUs} µs/measurement\n`,
    )
  }
}
await sink.close()
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length
const off = results.get('off') ?? []
const offStored = mean(off.map((r) => r.stored))
const offCpu = mean(off.map((r) => r.cpuUs))
const versus = (value: number, base: number) => `${(((value - base) / base) * 100).toFixed(1)} % vs off`
for (const [name, runs] of results) {
  const stored = mean(runs.map((r) => r.stored))
  const cpuUs = mean(runs.map((r) => r.cpuUs))
  process.stdout.write(
    `${name.padEnd(6)} stored ${runs.map((r) => r.stored).join(', ')} /s (mean ${Math.round(stored)}, ${versus(stored, offStored)}); ` +
      `CPU ${runs.map((r) => r.cpuUs).join(', ')} µs/measurement (mean ${cpuUs.toFixed(1)}, ${versus(cpuUs, offCpu)})\n`,
  )
}
process.stdout.write(`OTLP exported: ${(sink.bytes() / 1e6).toFixed(1)} MB\n`)
