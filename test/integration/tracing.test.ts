import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { authHeaders, freePortRange, HARNESS_API_KEY, startRole } from '../../harness/index.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { startOtlpReceiver } from '../helpers/otlp-receiver.ts'
import { readRecords } from '../helpers/pipeline.ts'
import { createTestDatabase, KAFKA_BROKERS, requireKafka, uniqueName } from '../helpers/services.ts'

const SERVER = 2
const CLIENT = 3
const PRODUCER = 4
const CONSUMER = 5

/** Every HTTP call of this file, so that credentials can be added in one place. */
async function call(url: string, init: { body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(url, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  }).catch((error: Error) => assert.fail(`${url}: ${error.message} (${String(error.cause)})`))
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** A client's own sampled trace context, as a sensor gateway that traces would send it. */
function clientContext() {
  const traceId = randomBytes(16).toString('hex')
  const spanId = randomBytes(8).toString('hex')
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` }
}

interface Hop {
  hop: string
  [detail: string]: unknown
}

/** Asks the journey until `ready` accepts it (the saver stores asynchronously), bounded. */
async function journey(
  adminUrl: string,
  sensorId: string,
  timestamp: string,
  ready: (hops: Hop[]) => boolean,
) {
  const url = `${adminUrl}/measurements/journey?sensor_id=${encodeURIComponent(sensorId)}&timestamp=${encodeURIComponent(timestamp)}`
  const deadline = Date.now() + 60_000
  let last: { status: number; body: Record<string, unknown> } | undefined
  while (Date.now() < deadline) {
    last = await call(url)
    if (last.status === 200 && ready(last.body.hops as Hop[]))
      return last.body as { sampled: boolean; hops: Hop[] }
    await sleep(300)
  }
  assert.fail(`journey of ${sensorId} at ${timestamp} never complete: ${JSON.stringify(last)}`)
}

const hopNames = (hops: Hop[]) => hops.map((hop) => hop.hop)

/** Where the record with this key sits, by a consumer link's arrays (one entry per record it covers). */
function linkedRecord(link: { attributes: Record<string, unknown> } | undefined, key: string) {
  const keys = link?.attributes['flowline.messages.keys']
  const index = Array.isArray(keys) ? keys.indexOf(key) : -1
  if (index === -1) return undefined
  const at = (name: string) => (link?.attributes[name] as unknown[] | undefined)?.[index]
  return { partition: at('flowline.messages.partitions'), offset: at('flowline.messages.offsets') }
}

/**
 * The journey contract for a measurement no span was kept for, on either adapter pair: the hops
 * come from the data, the log position the saver kept with the row and the row itself.
 */
async function assertUnsampledJourney(
  pipeline: { adminUrl: string; topic: string },
  measurement: { sensor_id: string; timestamp: string },
  position?: { partition: number; offset: bigint },
) {
  const untraced = await journey(pipeline.adminUrl, measurement.sensor_id, measurement.timestamp, (hops) =>
    hopNames(hops).includes('stored'),
  )
  assert.equal(untraced.sampled, false)
  // `committed` too when the server keeps commit times (track_commit_timestamp; off on the shared one).
  assert.deepEqual(
    hopNames(untraced.hops).filter((name) => name !== 'committed'),
    ['acknowledged', 'stored'],
  )
  const [acknowledged, stored] = untraced.hops
  assert.equal(acknowledged?.source, 'data')
  assert.equal(acknowledged?.topic, pipeline.topic)
  assert.equal(typeof acknowledged?.partition, 'number')
  assert.match(String(acknowledged?.offset), /^\d+$/)
  if (position) {
    assert.equal(acknowledged?.partition, position.partition)
    assert.equal(acknowledged?.offset, String(position.offset))
  }
  assert.match(String(stored?.row_id), /^\d+$/)
  assert.ok(Date.parse(String(acknowledged?.at)) <= Date.parse(String(stored?.at)), 'in time order')
}

/** The dead letter the dead-letter saver stored for a sensor's reading, once it is there (bounded). */
async function deadLetterOf(adminUrl: string, sourceTopic: string, sensorId: string) {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const { body } = await call(`${adminUrl}/dead-letters?source_topic=${sourceTopic}`)
    const items = (body.items ?? []) as Array<{ id: string; sensor_id: string | null }>
    const letter = items.find((item) => item.sensor_id === sensorId)
    if (letter) return letter
    await sleep(300)
  }
  assert.fail(`no dead letter of ${sensorId} in 60 s`)
}

/** A reading taken `secondsAgo` before now, to the millisecond: ingest refuses the future. */
const takenAgo = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString()

/** `flowline up` with tracing to the test's receiver, ratio 0: only requests that arrive sampled are traced. */
async function startTracedPipeline(t: TestContext, flags: Record<string, string | number | boolean>) {
  const receiver = await startOtlpReceiver(t)
  const base = await freePortRange(4)
  const topic = uniqueName('temperatures')
  const errorsTopic = uniqueName('errors')
  const up = await startRole('up', {
    port: base,
    // PGlite and the SDK take over a minute to load on a busy shared machine.
    startTimeoutMs: 180_000,
    flags: {
      ...flags,
      topic,
      'errors-topic': errorsTopic,
      'windows-topic': uniqueName('windows'),
      'alerts-topic': uniqueName('alerts'),
      group: uniqueName('saver'),
      'admin-port': base + 1,
      'saver-port': base + 2,
      'aggregate-port': base + 3,
      'batch-wait': 20,
      simulator: false,
      aggregator: false,
      'otlp-endpoint': receiver.url,
      'trace-sample-ratio': 0,
      'trace-store': true,
      'log-level': 'warn',
    },
  })
  t.after(() => up.stop())
  const adminUrl = `http://127.0.0.1:${base + 1}`
  // `up` answers on ingest's port first; the admin role starts last.
  const deadline = Date.now() + 60_000
  while (
    !(await fetch(`${adminUrl}/health`).then(
      (response) => response.ok,
      () => false,
    ))
  ) {
    assert.ok(Date.now() < deadline, 'the admin role answers within 60 s')
    await sleep(200)
  }
  return { receiver, topic, errorsTopic, ingestUrl: up.url, adminUrl }
}

/** A Kafka client of the test's own: another producer than ingest, and a reader. */
function foreignProducer(t: TestContext) {
  const producer = new KafkaBroker({
    bootstrapBrokers: KAFKA_BROKERS,
    clientId: uniqueName('foreign'),
    requestTimeoutMs: 5000,
  })
  t.after(() => producer.close())
  return producer
}

async function realFlags(t: TestContext) {
  await requireKafka()
  const { url, drop } = await createTestDatabase()
  t.after(drop)
  return { kafka: KAFKA_BROKERS.join(','), 'database-url': url }
}

async function embeddedFlags(t: TestContext) {
  const dataDir = await mkdtemp(join(tmpdir(), 'flowline-tracing-'))
  t.after(() => rm(dataDir, { recursive: true, force: true, maxRetries: 10 }))
  return { embedded: true, 'data-dir': dataDir }
}

describe('tracing: one measurement followed across HTTP, the log and SQL', { timeout: 480_000 }, () => {
  it('real Kafka and PostgreSQL: HTTP span → produce span → saver batch span → SQL span, with the record coordinates', async (t) => {
    const pipeline = await startTracedPipeline(t, await realFlags(t))
    const client = clientContext()
    const sampled = {
      sensor_id: uniqueName('traced'),
      temperature: 21.5,
      timestamp: takenAgo(1),
    }
    const unsampled = {
      sensor_id: uniqueName('untraced'),
      temperature: 19,
      timestamp: takenAgo(2),
    }
    const accepted = await call(`${pipeline.ingestUrl}/measurements`, {
      body: [sampled],
      headers: { traceparent: client.traceparent },
    })
    assert.equal(accepted.status, 202)
    assert.equal((await call(`${pipeline.ingestUrl}/measurements`, { body: [unsampled] })).status, 202)

    const { receiver } = pipeline
    const http = await receiver.waitFor(
      'ingest HTTP span',
      (span) => span.kind === SERVER && span.traceId === client.traceId,
    )
    assert.equal(http.parentSpanId, client.spanId, 'the HTTP span continues the client trace')
    const produce = await receiver.waitFor(
      'produce span',
      (span) => span.kind === PRODUCER && span.parentSpanId === http.spanId,
    )
    assert.equal(produce.name, `send ${pipeline.topic}`)
    assert.equal(produce.attributes['messaging.system'], 'kafka')
    assert.equal(produce.attributes['messaging.destination.name'], pipeline.topic)
    assert.equal(produce.attributes['messaging.operation.type'], 'send')
    assert.match(String(produce.attributes['flowline.request_id']), /^req-/)

    // Where Kafka really put the record, and the context it carries.
    const reader = new KafkaBroker({
      bootstrapBrokers: KAFKA_BROKERS,
      clientId: uniqueName('reader'),
      requestTimeoutMs: 5000,
    })
    t.after(() => reader.close())
    const records = await readRecords(reader, pipeline.topic, 2)
    const record = records.find((candidate) => candidate.key === sampled.sensor_id)
    assert.ok(record)
    assert.equal(record.headers?.traceparent, `00-${client.traceId}-${produce.spanId}-01`)
    assert.equal(
      records.find((candidate) => candidate.key === unsampled.sensor_id)?.headers,
      undefined,
      'an unsampled request sends no trace header',
    )

    const batch = await receiver.waitFor(
      'saver batch span',
      (span) => span.kind === CONSUMER && span.links.some((link) => link.spanId === produce.spanId),
    )
    assert.equal(batch.name, `process ${pipeline.topic}`)
    assert.equal(batch.attributes['messaging.destination.name'], pipeline.topic)
    assert.equal(batch.attributes['messaging.operation.type'], 'process')
    const link = batch.links.find((candidate) => candidate.spanId === produce.spanId)
    assert.equal(link?.traceId, client.traceId)
    assert.deepEqual(
      linkedRecord(link, sampled.sensor_id),
      { partition: record.partition, offset: Number(record.offset) },
      "the link names the record's partition and offset",
    )
    assert.equal(link?.attributes['messaging.batch.message_count'], 1)
    assert.deepEqual(
      batch.events.map((event) => event.name),
      ['decoded', 'offsets committed'],
      'the batch span covers decode and the offset commit',
    )
    const sqlSpan = await receiver.waitFor(
      'SQL span of the batch',
      (span) =>
        span.kind === CLIENT && span.parentSpanId === batch.spanId && span.name.startsWith('pg.query:'),
    )
    assert.equal(sqlSpan.traceId, batch.traceId)
    assert.equal(
      receiver.spans.some((span) =>
        span.links.some((l) => linkedRecord(l, unsampled.sensor_id) !== undefined),
      ),
      false,
      'the unsampled measurement left no span',
    )

    const traced = await journey(pipeline.adminUrl, sampled.sensor_id, sampled.timestamp, (hops) =>
      hopNames(hops).includes('committed'),
    )
    assert.equal(traced.sampled, true)
    assert.deepEqual([...new Set(hopNames(traced.hops))].sort(), [
      'acknowledged',
      'committed',
      'consumed',
      'received',
      'stored',
      'written',
    ])
    const acknowledged = traced.hops.find((hop) => hop.hop === 'acknowledged')
    assert.equal(acknowledged?.partition, record.partition)
    assert.equal(acknowledged?.offset, String(record.offset))
    assert.equal(
      traced.hops.find((hop) => hop.hop === 'received')?.request_id,
      produce.attributes['flowline.request_id'],
    )

    const unsampledRecord = records.find((candidate) => candidate.key === unsampled.sensor_id)
    assert.ok(unsampledRecord)
    await assertUnsampledJourney(pipeline, unsampled, unsampledRecord)
  })

  it('real Kafka: a dead-lettered record keeps its trace; the dead-letter publish links to it, its redrive continues it', async (t) => {
    const pipeline = await startTracedPipeline(t, await realFlags(t))
    const producer = foreignProducer(t)
    // Another producer than ingest, which traces, writes a reading out of range.
    const client = clientContext()
    const bad = { sensor_id: uniqueName('faulty'), temperature: 5000, timestamp: takenAgo(3) }
    await producer.publish([
      {
        topic: pipeline.topic,
        key: bad.sensor_id,
        value: JSON.stringify(bad),
        headers: { traceparent: client.traceparent },
      },
    ])
    const { receiver } = pipeline
    const batch = await receiver.waitFor(
      'saver batch span',
      (span) => span.kind === CONSUMER && span.links.some((link) => link.spanId === client.spanId),
    )
    const deadLetter = await receiver.waitFor(
      'dead-letter produce span',
      (span) => span.kind === PRODUCER && span.parentSpanId === batch.spanId,
    )
    assert.equal(deadLetter.attributes['messaging.destination.name'], pipeline.errorsTopic)
    assert.ok(
      deadLetter.links.some((link) => link.traceId === client.traceId && link.spanId === client.spanId),
      'the dead-letter publish links to the record it dead-letters',
    )
    const [entry] = await readRecords(producer, pipeline.errorsTopic, 1)
    assert.equal(entry?.headers?.traceparent, `00-${batch.traceId}-${deadLetter.spanId}-01`)
    assert.match(JSON.parse(entry?.value.toString() ?? '{}').reason, /temperature/)

    const traced = await journey(pipeline.adminUrl, bad.sensor_id, bad.timestamp, (hops) =>
      hopNames(hops).includes('committed'),
    )
    assert.equal(traced.sampled, true)
    assert.ok(hopNames(traced.hops).includes('dead_lettered'))
    assert.ok(!hopNames(traced.hops).includes('stored'), 'nothing was stored')

    // The dead-letter saver keeps the entry's context; the corrected redrive's produce continues it.
    const letter = await deadLetterOf(pipeline.adminUrl, pipeline.topic, bad.sensor_id)
    const fixed = { ...bad, temperature: 50 }
    const redriven = await call(`${pipeline.adminUrl}/dead-letters/${letter.id}/redrive`, {
      body: { payload: fixed },
    })
    assert.equal(redriven.status, 200)
    const redrive = await receiver.waitFor(
      'redrive produce span',
      (span) => span.kind === PRODUCER && span.attributes['flowline.dead_letter.id'] === letter.id,
    )
    assert.equal(redrive.name, `send ${pipeline.topic}`)
    assert.equal(redrive.traceId, batch.traceId, "the redrive continues the dead letter's trace")
    assert.equal(redrive.parentSpanId, deadLetter.spanId)
    assert.equal(redrive.attributes['messaging.destination.name'], pipeline.topic)
    const sent = (await readRecords(producer, pipeline.topic, 2)).find(
      (record) => record.headers?.['flowline-dead-letter-id'] === letter.id,
    )
    assert.ok(sent, 'the redriven record is on the source topic')
    assert.equal(sent.headers?.traceparent, `00-${batch.traceId}-${redrive.spanId}-01`)
    const storing = await receiver.waitFor(
      'saver batch of the redriven record',
      (span) => span.kind === CONSUMER && span.links.some((link) => link.spanId === redrive.spanId),
    )
    const storingLink = storing.links.find((link) => link.spanId === redrive.spanId)
    assert.deepEqual(linkedRecord(storingLink, bad.sensor_id), {
      partition: sent.partition,
      offset: Number(sent.offset),
    })

    const whole = await journey(pipeline.adminUrl, bad.sensor_id, bad.timestamp, (hops) =>
      hopNames(hops).includes('stored'),
    )
    assert.equal(whole.sampled, true)
    const redriveHop = whole.hops.find((hop) => hop.hop === 'redriven')
    assert.equal(redriveHop?.source, 'trace')
    assert.equal(redriveHop?.partition, sent.partition)
    assert.equal(redriveHop?.offset, String(sent.offset))
    assert.equal(redriveHop?.dead_letter_id, letter.id)
    const names = hopNames(whole.hops)
    assert.ok(names.indexOf('dead_lettered') < names.indexOf('redriven'), names.join(' → '))
    assert.ok(names.indexOf('redriven') < names.indexOf('stored'), names.join(' → '))
  })

  it('real Kafka: an unsampled dead letter and its redrive, from the data', async (t) => {
    const pipeline = await startTracedPipeline(t, await realFlags(t))
    // Ingest refuses a reading out of range: another producer writes it, with no trace context.
    const producer = foreignProducer(t)
    const bad = { sensor_id: uniqueName('faulty'), temperature: 5000, timestamp: takenAgo(3) }
    await producer.publish([{ topic: pipeline.topic, key: bad.sensor_id, value: JSON.stringify(bad) }])
    const [original] = await readRecords(producer, pipeline.topic, 1)
    assert.ok(original)
    const letter = await deadLetterOf(pipeline.adminUrl, pipeline.topic, bad.sensor_id)
    const redriven = await call(`${pipeline.adminUrl}/dead-letters/${letter.id}/redrive`, {
      body: { payload: { ...bad, temperature: 40 } },
    })
    assert.equal(redriven.status, 200)
    const untraced = await journey(pipeline.adminUrl, bad.sensor_id, bad.timestamp, (hops) =>
      hopNames(hops).includes('stored'),
    )
    assert.equal(untraced.sampled, false)
    const names = hopNames(untraced.hops).filter((name) => name !== 'committed')
    // The redrive is marked after the log acknowledged its copy: the two are milliseconds apart.
    assert.deepEqual([...names].sort(), ['acknowledged', 'dead_lettered', 'redriven', 'stored'])
    assert.equal(names[0], 'dead_lettered')
    assert.equal(names.at(-1), 'stored')
    const hop = (name: string) => untraced.hops.find((candidate) => candidate.hop === name)
    const deadLettered = hop('dead_lettered')
    const acknowledged = hop('acknowledged')
    assert.equal(deadLettered?.source, 'data')
    assert.equal(deadLettered?.topic, pipeline.topic)
    assert.equal(deadLettered?.partition, original.partition)
    assert.equal(deadLettered?.offset, String(original.offset))
    assert.match(String(deadLettered?.reason), /temperature/)
    assert.equal(hop('redriven')?.dead_letter_id, letter.id)
    assert.equal(typeof hop('redriven')?.by, 'string')
    assert.equal(acknowledged?.partition, original.partition, 'same key, same partition')
    assert.ok(Number(acknowledged?.offset) > Number(original.offset), 'the redriven copy comes later')
  })

  it('embedded log and PGlite: the journey of a sampled and of an unsampled measurement', async (t) => {
    const pipeline = await startTracedPipeline(t, await embeddedFlags(t))
    const client = clientContext()
    const sampled = { sensor_id: 'embedded-traced', temperature: 22, timestamp: takenAgo(4) }
    const unsampled = {
      sensor_id: 'embedded-untraced',
      temperature: 23,
      timestamp: takenAgo(5),
    }
    const headers = { traceparent: client.traceparent }
    assert.equal((await call(`${pipeline.ingestUrl}/measurements`, { body: sampled, headers })).status, 202)
    assert.equal((await call(`${pipeline.ingestUrl}/measurements`, { body: unsampled })).status, 202)

    const traced = await journey(pipeline.adminUrl, sampled.sensor_id, sampled.timestamp, (hops) =>
      hopNames(hops).includes('committed'),
    )
    assert.equal(traced.sampled, true)
    assert.deepEqual([...new Set(hopNames(traced.hops))].sort(), [
      'acknowledged',
      'committed',
      'consumed',
      'received',
      'stored',
      'written',
    ])
    assert.equal(traced.hops.find((hop) => hop.hop === 'written')?.statement, 'pglite.query:WITH')
    assert.equal(traced.hops.find((hop) => hop.hop === 'received')?.trace_id, client.traceId)
    const printed = await promisify(execFile)(process.execPath, [
      new URL('../../src/main.ts', import.meta.url).pathname,
      'trace',
      sampled.sensor_id,
      sampled.timestamp,
      '--admin-url',
      pipeline.adminUrl,
      '--api-token',
      HARNESS_API_KEY,
    ])
    assert.match(printed.stdout, /^embedded-traced at .*: sampled$/m)
    assert.match(
      printed.stdout,
      /acknowledged +temperatures_\S+ partition \d+ offset 0, \d+ ms after receipt/,
    )
    assert.match(printed.stdout, new RegExp(`traces: .*${client.traceId}`))
    const batch = await pipeline.receiver.waitFor('embedded batch span', (span) => span.kind === CONSUMER)
    assert.equal(batch.attributes['messaging.system'], 'flowline_embedded_log')

    await assertUnsampledJourney(pipeline, unsampled)
  })
})
