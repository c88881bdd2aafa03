/**
 * What tracing's own code costs per measurement, apart from everything else the pipeline does: the
 * per-request path of ingest (the door's sampling check, the producer span and `traceparent`
 * injection) and the per-batch path of the saver (the batch span and its links, decode and write
 * inside it, a statement's SQL span, the commit), each with tracing off, on but unsampled, and
 * sampled, the spans exported over OTLP/HTTP to a sink in this process. No broker, database or
 * socket: the difference between the rows is tracing's code and nothing else, which a whole-pipeline
 * run on a shared machine cannot resolve at the 1 % level.
 *
 *   node --expose-gc bench/tracing-paths.bench.ts [reps=7] [--batch 500]
 *
 * Each row is the median of `reps` timed runs (CPU time of this process, ~0.2 s each), in ns per
 * measurement, with the bytes it allocates per measurement (heap growth over a run too short for a
 * garbage collection, with `--expose-gc`). A request carries 100 measurements, as in the E2E bench;
 * a saver batch `--batch` (default 500), one request's 100 of them sampled in the sampled row. The
 * cost at 1 % weighs the sampled row by the share of requests (1 %) or batches (those holding at
 * least one sampled request) that are sampled at that ratio.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { trace } from '@opentelemetry/api'
import type { IncomingRecord, OutgoingRecord, RecordBatch, Subscription } from '../src/broker/broker.ts'
import { runInServerSpan, sampledAtTheDoor } from '../src/observability/http-server-spans.ts'
import { publishTraced, traceBatches } from '../src/observability/messaging-spans.ts'
import { recordSqlSpan } from '../src/observability/sql-spans.ts'
import { startTracing } from '../src/observability/tracing.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { batch: { type: 'string', default: '500' } },
})
const reps = Number(positionals[0] ?? 7)
const batchSize = Number(values.batch)
const PER_REQUEST = 100
const SQL_TEXT = `WITH rows AS (SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[]))
  INSERT INTO measurements (sensor_id, recorded_at, temperature) SELECT * FROM rows
  ON CONFLICT DO NOTHING RETURNING id`

const measurement = (index: number): OutgoingRecord => ({
  topic: 'temperatures',
  key: `sensor-${index}`,
  value: JSON.stringify({
    sensor_id: `sensor-${index}`,
    timestamp: new Date(1_796_000_000_000 + index).toISOString(),
    temperature: 21.5,
    humidity: 40,
  }),
})
const requestRecords = Array.from({ length: PER_REQUEST }, (_, index) => measurement(index))

/** A plain request as Node's HTTP server hands it over, and a response that closes when ended. */
function fakeExchange() {
  const listeners: Array<() => void> = []
  const request = {
    url: '/measurements',
    method: 'POST',
    httpVersion: '1.1',
    headers: { 'content-type': 'application/json' },
    socket: { remoteAddress: '127.0.0.1' },
  }
  const response = {
    statusCode: 202,
    writableFinished: true,
    once: (_event: string, listener: () => void) => listeners.push(listener),
    close: () => {
      for (const listener of listeners) listener()
    },
  }
  return { request, response }
}

/** Ingest's tracing for one request: the door, then the publish (a producer span when sampled). */
async function ingestRequest(tracing: 'off' | 'on', ratio: number): Promise<void> {
  const publish = async (records: OutgoingRecord[]) => void records.length
  const attributes = { 'flowline.request_id': 'req-1' }
  // Made in every mode, as Node's server makes them whatever the tracing: not tracing's cost.
  const { request, response } = fakeExchange()
  const incoming = request as unknown as IncomingMessage
  if (tracing === 'off' || !sampledAtTheDoor(incoming, ratio))
    return publishTraced('kafka', requestRecords, publish, attributes)
  let done: Promise<void> = Promise.resolve()
  runInServerSpan(incoming, response as unknown as ServerResponse, () => {
    done = publishTraced('kafka', requestRecords, publish, attributes)
  })
  await done
  response.close()
}

/** Records as the saver reads them: with the `traceparent` ingest gave the sampled ones. */
function deliveredBatch(sampledTraceparent: string | undefined): RecordBatch {
  const records: IncomingRecord[] = Array.from({ length: batchSize }, (_, index) => {
    const outgoing = measurement(index)
    return {
      topic: outgoing.topic,
      partition: index % 4,
      offset: BigInt(index),
      key: outgoing.key,
      value: Buffer.from(outgoing.value),
      timestampMs: 1_796_000_000_000,
      ...(sampledTraceparent && index < PER_REQUEST && { headers: { traceparent: sampledTraceparent } }),
    }
  })
  return { records, commit: async () => {} }
}

/**
 * The saver's tracing, set up once as the saver does: a subscription handing out `next` batch on
 * each read, wrapped by `traceBatches`. A call reads one batch, decodes and writes it inside the
 * wrapper (one statement: a SQL span when sampled) and commits it.
 */
function saverLoop() {
  let next: RecordBatch | undefined
  const subscription: Subscription = {
    lag: async () => [],
    close: async () => {},
    async *[Symbol.asyncIterator]() {
      // Bounded by the reader: one batch per read.
      for (;;) yield next as RecordBatch
    },
  }
  const loop = traceBatches(
    {
      subscription,
      prepare: (delivered: RecordBatch) => delivered.records.length,
      handle: async () => recordSqlSpan('pg', SQL_TEXT, 3, false),
    },
    { system: 'kafka', group: 'measurement-saver', member: 'bench/1/0' },
  )
  const batches = loop.subscription[Symbol.asyncIterator]()
  return async (batch: RecordBatch) => {
    next = batch
    const { value: delivered } = await batches.next()
    await loop.handle(delivered, loop.prepare(delivered))
    await delivered.commit()
  }
}

const gc = (globalThis as { gc?: () => void }).gc

/** ns and allocated bytes per measurement of `work`, which handles `perCall` measurements. */
async function measure(work: () => Promise<void>, perCall: number, flush: () => Promise<void>) {
  for (let index = 0; index < 2000; index++) await work()
  await flush()
  // Calls for ~0.2 s, from a timed probe.
  const probeStart = process.cpuUsage()
  for (let index = 0; index < 500; index++) await work()
  const probeUs = Math.max(1, cpuUs(process.cpuUsage(probeStart)))
  const calls = Math.max(500, Math.round((500 * 200_000) / probeUs))
  const nsPerMeasurement: number[] = []
  for (let rep = 0; rep < reps; rep++) {
    gc?.()
    const start = process.cpuUsage()
    for (let index = 0; index < calls; index++) await work()
    await flush()
    nsPerMeasurement.push((cpuUs(process.cpuUsage(start)) * 1000) / (calls * perCall))
  }
  let bytes: number | undefined
  if (gc) {
    // 50 calls allocate far less than the young generation holds: no collection in between.
    gc()
    const before = process.memoryUsage().heapUsed
    for (let index = 0; index < 50; index++) await work()
    bytes = Math.max(0, (process.memoryUsage().heapUsed - before) / (50 * perCall))
  }
  return { ns: median(nsPerMeasurement), spread: spreadOf(nsPerMeasurement), bytes }
}

const cpuUs = (usage: NodeJS.CpuUsage) => usage.user + usage.system
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const spreadOf = (xs: number[]) => (Math.max(...xs) - Math.min(...xs)) / Math.max(median(xs), 1e-9)

async function startSink() {
  const server = createServer((request, response) => {
    request.resume()
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

const rows: Array<{ path: string; mode: string; ns: number; spread: number; bytes: number | undefined }> = []
const row = async (path: string, mode: string, work: () => Promise<void>, flush = async () => {}) =>
  rows.push({ path, mode, ...(await measure(work, path === 'saver batch' ? batchSize : PER_REQUEST, flush)) })
const unsampledBatch = deliveredBatch(undefined)

await row('ingest request', 'off', () => ingestRequest('off', 0))
const offSaver = saverLoop()
await row('saver batch', 'off', () => offSaver(unsampledBatch))

const sink = await startSink()
const tracing = await startTracing({
  serviceName: 'bench',
  otlpEndpoint: sink.url,
  sampleRatio: 0.01,
  store: false,
})
const provider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } }
// Export is part of the sampled cost: each timed run ends with everything it traced sent.
const flush = async () => provider.getDelegate?.().forceFlush?.()
const sampledBatch = deliveredBatch('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
await row('ingest request', 'unsampled', () => ingestRequest('on', 0), flush)
await row('ingest request', 'sampled', () => ingestRequest('on', 1), flush)
const onSaver = saverLoop()
await row('saver batch', 'unsampled', () => onSaver(unsampledBatch), flush)
await row('saver batch', 'sampled', () => onSaver(sampledBatch), flush)
await tracing.shutdown()
sink.server.close()

const lines = [
  `Tracing's code per measurement (request of ${PER_REQUEST}, saver batch of ${batchSize}, ${reps} runs each, median):`,
  '',
  '| path | mode | ns per measurement | runs spread | bytes allocated per measurement |',
  '| --- | --- | --- | --- | --- |',
  ...rows.map(
    (row) =>
      `| ${row.path} | ${row.mode} | ${row.ns.toFixed(1)} | ${(row.spread * 100).toFixed(0)} % | ${row.bytes === undefined ? 'n/a (run with --expose-gc)' : row.bytes.toFixed(1)} |`,
  ),
  '',
]
const of = (path: string, mode: string) => rows.find((row) => row.path === path && row.mode === mode)?.ns ?? 0
// At 1 %, a request is sampled with that chance; a saver batch holds batchSize / 100 requests and
// is traced when any of them was sampled.
const sampledShare = { 'ingest request': 0.01, 'saver batch': 1 - 0.99 ** (batchSize / PER_REQUEST) }
for (const path of ['ingest request', 'saver batch'] as const) {
  const unsampled = of(path, 'unsampled') - of(path, 'off')
  const sampled = of(path, 'sampled') - of(path, 'off')
  const atOnePercent = unsampled + sampledShare[path] * (sampled - unsampled)
  lines.push(
    `${path}: at 1 % tracing adds ${atOnePercent.toFixed(1)} ns per measurement ` +
      `(unsampled ${unsampled.toFixed(1)} ns, sampled ${sampled.toFixed(1)} ns, ${(sampledShare[path] * 100).toFixed(1)} % of them sampled)`,
  )
}
process.stdout.write(`${lines.join('\n')}\n`)
