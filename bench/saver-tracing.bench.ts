/**
 * What tracing costs the saver alone: one saver process drains a backlog with tracing off, then
 * another with tracing at 1 % (exported over OTLP/HTTP to a sink in this process), alternating,
 * each on a fresh database and group. The backlog is what ingest publishes at 1 %: records in
 * requests of 100, one request in a hundred carrying a sampled `traceparent` on each of its records.
 * No ingest and no load generator run beside it, so the saver's CPU per record (from /proc, from
 * the moment it answers /health, idle, until the last record is consumed) is the saver's own, off
 * or traced. The backlog is published to a fresh topic after that moment: a saver started on a
 * full topic drains much of it before /health answers, out of the measured time.
 *
 *   node bench/saver-tracing.bench.ts [rounds=3] [records=300000] [--batch-size N] [--cpu-prof DIR]
 *
 * `--batch-size` caps the saver's batches (default: the saver's own), to see a per-batch cost
 * that the large batches of a drain would hide. Uses the services of `npm run services:up`.
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import {
  cpuSecondsOf,
  deleteTopics,
  freePort,
  metricSum,
  SHARED_DATABASE_URL,
  SHARED_KAFKA_BROKERS,
  scrapeMetrics,
  scratchDatabase,
  scratchTopic,
  startRole,
  uniqueName,
} from '../harness/index.ts'
import type { OutgoingRecord } from '../src/broker/broker.ts'
import { KafkaBroker } from '../src/broker/kafka/kafka-broker.ts'
import { encodeMeasurement } from '../src/domain/measurement.ts'
import { startOtlpSink } from './lib/otlp-sink.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'batch-size': { type: 'string' }, 'cpu-prof': { type: 'string' } },
})
const rounds = Number(positionals[0] ?? 3)
const records = Number(positionals[1] ?? 300_000)
const KAFKA = SHARED_KAFKA_BROKERS.join(',')
const DATABASE_URL = SHARED_DATABASE_URL
const PARTITIONS = 4
const SENSORS = 20_000
const REQUEST_SIZE = 100
/** One request in this many is sampled: 1 %. */
const SAMPLED_EVERY = 100

async function fillTopic(topic: string): Promise<void> {
  const broker = new KafkaBroker({
    bootstrapBrokers: [KAFKA],
    clientId: `${topic}-fill`,
    requestTimeoutMs: 30_000,
  })
  try {
    const start = Date.now() - 3_600_000
    let traceparent: string | undefined
    for (let first = 0; first < records; first += 10_000) {
      const chunk: OutgoingRecord[] = []
      for (let i = first; i < Math.min(records, first + 10_000); i++) {
        const request = Math.floor(i / REQUEST_SIZE)
        if (i % REQUEST_SIZE === 0)
          traceparent =
            request % SAMPLED_EVERY === 0
              ? `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`
              : undefined
        const sensorId = `sensor-${i % SENSORS}`
        const value = encodeMeasurement({
          sensorId,
          temperature: 20 + (i % 100) / 10,
          timestampMs: start + i,
        })
        chunk.push({ topic, key: sensorId, value, ...(traceparent && { headers: { traceparent } }) })
      }
      await broker.publish(chunk)
    }
  } finally {
    await broker.close()
  }
}

interface Drain {
  readonly mode: string
  readonly ratePerS: number
  readonly cpuUsPerRecord: number
}

async function drain(mode: 'off' | '1 %', sinkUrl: string, round: number): Promise<Drain> {
  const topic = (await scratchTopic([KAFKA], { prefix: 'bench_saver_tracing', partitions: PARTITIONS })).name
  const database = await scratchDatabase(DATABASE_URL, { prefix: 'bench_saver_tracing' })
  const port = await freePort()
  const saver = await startRole('saver', {
    port,
    startTimeoutMs: 180_000,
    flags: {
      kafka: KAFKA,
      topic,
      'errors-topic': `${topic}_errors`,
      partitions: PARTITIONS,
      'database-url': database.url,
      'log-level': 'warn',
      group: uniqueName('bench_saver_tracing'),
      ...(values['batch-size'] && { 'batch-size': values['batch-size'] }),
      ...(mode === '1 %' && { 'otlp-endpoint': sinkUrl, 'trace-sample-ratio': 0.01 }),
    },
    ...(values['cpu-prof'] && {
      cpuProfDir: values['cpu-prof'],
      label: `saver-${mode === 'off' ? 'off' : '1pct'}-${round}`,
    }),
  })
  try {
    const pid = saver.pid ?? -1
    const cpuAtStart = cpuSecondsOf(pid)
    const startedAt = performance.now()
    const consumed = async () => metricSum(await scrapeMetrics(saver.url), 'flowline_records_consumed_total')
    await fillTopic(topic)
    let done = 0
    const deadline = Date.now() + 600_000
    while (done < records && Date.now() < deadline) {
      await sleep(50)
      done = await consumed()
    }
    if (done < records) throw new Error(`the saver consumed ${done} of ${records} records within 10 minutes`)
    const seconds = (performance.now() - startedAt) / 1000
    return {
      mode,
      ratePerS: Math.round(done / seconds),
      cpuUsPerRecord: Math.round(((cpuSecondsOf(pid) - cpuAtStart) * 1e7) / done) / 10,
    }
  } finally {
    // The exporter sends what it holds on SIGTERM; the sink is still listening.
    await saver.stop('SIGTERM', 30_000)
    await database.drop()
    await deleteTopics([KAFKA], [topic])
  }
}

const sink = await startOtlpSink()
try {
  const drains: Drain[] = []
  for (let round = 1; round <= rounds; round++) {
    // The order alternates so that neither mode always drains second (a warmer page cache).
    const order: ('off' | '1 %')[] = round % 2 === 1 ? ['off', '1 %'] : ['1 %', 'off']
    for (const mode of order) {
      const result = await drain(mode, sink.url, round)
      drains.push(result)
      console.log(
        `round ${round} ${mode}: ${result.ratePerS} records/s, saver ${result.cpuUsPerRecord} µs/record`,
      )
    }
  }
  const mean = (mode: string) => {
    const cpu = drains.filter((d) => d.mode === mode).map((d) => d.cpuUsPerRecord)
    return cpu.reduce((a, b) => a + b, 0) / cpu.length
  }
  const off = mean('off')
  const traced = mean('1 %')
  console.log(
    `${records} records, batch size ${values['batch-size'] ?? 'default'}: saver CPU off ${off.toFixed(2)} µs/record, ` +
      `1 % ${traced.toFixed(2)} (${(((traced - off) / off) * 100).toFixed(1)} %); sink received ${sink.bytes()} bytes`,
  )
} finally {
  await sink.close()
}
