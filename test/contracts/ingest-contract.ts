import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { Broker } from '../../src/broker/broker.ts'
import { testIngestApp } from '../helpers/ingest-app.ts'
import { readRecords } from '../helpers/pipeline.ts'

/** A broker of one adapter with a fresh topic, closed when the test ends. */
export type BrokerWithTopic = (
  t: TestContext,
  partitions?: number,
) => Promise<{ broker: Broker; topic: string }>

export interface IngestContractOptions {
  /** A broker that cannot acknowledge anything, for the 503 case; adapters that cannot be down leave it out. */
  readonly unavailableBroker?: (t: TestContext) => Promise<Broker>
}

const at = (iso: string) => iso
const now = () => new Date().toISOString()

/** This suite is about the broker; credentials and the registry are the platform contract's. */
const ingestApp = testIngestApp

/** Sends one valid measurement and checks it is the topic's first record: nothing refused before it was sent. */
async function assertProbeIsFirstRecord(app: FastifyInstance, broker: Broker, topic: string): Promise<void> {
  const probe = await app.inject({
    method: 'POST',
    url: '/measurements',
    payload: { sensor_id: 'probe', temperature: 1, timestamp: now() },
  })
  assert.equal(probe.statusCode, 202)
  const [first] = await readRecords(broker, topic, 1)
  assert.equal(first?.key, 'probe')
}

/**
 * The ingest HTTP contract, run against every broker adapter (test/contracts/ingest.test.ts): the
 * same requests give the same answers and the same records in the log.
 */
export function runIngestContract(
  name: string,
  withTopic: BrokerWithTopic,
  options: IngestContractOptions = {},
) {
  describe(`ingest API contract: ${name}`, () => {
    it('publishes one object, an array and NDJSON, keyed by sensor_id, and answers 202 after the ack', async (t) => {
      const { broker, topic } = await withTopic(t)
      const { app } = await ingestApp(broker, topic)
      t.after(() => app.close())

      const one = await app.inject({
        method: 'POST',
        url: '/measurements',
        payload: { sensor_id: 'a', temperature: 20.5, timestamp: at('2026-01-01T00:00:00Z') },
      })
      assert.equal(one.statusCode, 202, one.body)
      assert.deepEqual(one.json(), { accepted: 1 })

      const many = await app.inject({
        method: 'POST',
        url: '/measurements',
        payload: [
          { sensor_id: 'b', temperature: -5, timestamp: 1767225600000 },
          { sensor_id: 'b', temperature: -4, timestamp: 1767225601000 },
        ],
      })
      assert.equal(many.statusCode, 202, many.body)
      assert.deepEqual(many.json(), { accepted: 2 })

      const ndjson = await app.inject({
        method: 'POST',
        url: '/measurements',
        headers: { 'content-type': 'application/x-ndjson' },
        payload:
          '{"sensor_id":"c","temperature":1,"timestamp":"2026-01-01T00:00:00Z"}\n\n{"sensor_id":"c","temperature":2,"timestamp":"2026-01-01T00:00:01Z"}\n',
      })
      assert.equal(ndjson.statusCode, 202, ndjson.body)
      assert.deepEqual(ndjson.json(), { accepted: 2 })

      const records = await readRecords(broker, topic, 5)
      assert.equal(records.length, 5)
      const byKey = new Map<string, string[]>()
      for (const record of records) {
        const values = byKey.get(record.key ?? '') ?? []
        values.push(record.value.toString())
        byKey.set(record.key ?? '', values)
      }
      assert.deepEqual(byKey.get('a'), [
        '{"sensor_id":"a","temperature":20.5,"timestamp":"2026-01-01T00:00:00.000Z"}',
      ])
      assert.deepEqual(byKey.get('b'), [
        '{"sensor_id":"b","temperature":-5,"timestamp":"2026-01-01T00:00:00.000Z"}',
        '{"sensor_id":"b","temperature":-4,"timestamp":"2026-01-01T00:00:01.000Z"}',
      ])
      assert.equal(byKey.get('c')?.length, 2)
      // One sensor's records share one partition, which is what keeps their order.
      const partitionsOfB = new Set(records.filter((r) => r.key === 'b').map((r) => r.partition))
      assert.equal(partitionsOfB.size, 1)
    })

    it('coalesces concurrent single-measurement requests into few produce requests', async (t) => {
      const { broker, topic } = await withTopic(t)
      const { app, metrics } = await ingestApp(broker, topic)
      t.after(() => app.close())
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          app.inject({
            method: 'POST',
            url: '/measurements',
            payload: { sensor_id: `s${i % 7}`, temperature: i / 10, timestamp: 1767225600000 + i },
          }),
        ),
      )
      assert.ok(responses.every((r) => r.statusCode === 202))
      const batches =
        (await metrics.produceBatchSize.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ??
        0
      assert.ok(batches > 0 && batches < 100, `200 requests took ${batches} produce requests`)
    })

    it('refuses invalid items with 400 naming each item, field and reason, and sends nothing', async (t) => {
      const { broker, topic } = await withTopic(t)
      const { app } = await ingestApp(broker, topic)
      t.after(() => app.close())
      const response = await app.inject({
        method: 'POST',
        url: '/measurements',
        payload: [
          { sensor_id: 'ok', temperature: 20, timestamp: now() },
          { sensor_id: 'hot', temperature: 5000, timestamp: now() },
          { sensor_id: 'cold', temperature: -300, timestamp: now() },
          { temperature: 1, timestamp: now() },
          { sensor_id: 'str', temperature: '20', timestamp: now() },
          { sensor_id: 'when', temperature: 1, timestamp: 'yesterday' },
          { sensor_id: 'future', temperature: 1, timestamp: new Date(Date.now() + 3_600_000).toISOString() },
          { sensor_id: '', temperature: 1, timestamp: now() },
          { sensor_id: 'extra', temperature: 1, timestamp: now(), humidity: 3 },
          'not an object',
        ],
      })
      assert.equal(response.statusCode, 400)
      const body = response.json()
      assert.equal(body.code, 'VALIDATION_FAILED')
      assert.equal(body.invalid, 9)
      assert.deepEqual(
        body.errors.map((e: { index: number; field: string }) => [e.index, e.field]),
        [
          [1, 'temperature'],
          [2, 'temperature'],
          [3, 'sensor_id'],
          [4, 'temperature'],
          [5, 'timestamp'],
          [6, 'timestamp'],
          [7, 'sensor_id'],
          [8, 'humidity'],
          [9, '(item)'],
        ],
      )
      assert.match(body.errors[0].reason, /1000/)
      assert.match(body.errors[5].reason, /future/)
      // The valid first item was not sent either: the request is refused as a whole.
      await assertProbeIsFirstRecord(app, broker, topic)
    })

    it('answers 400 for malformed JSON and NDJSON, naming the line', async (t) => {
      const { broker, topic } = await withTopic(t)
      const { app } = await ingestApp(broker, topic)
      t.after(() => app.close())
      const json = await app.inject({
        method: 'POST',
        url: '/measurements',
        headers: { 'content-type': 'application/json' },
        payload: '{"sensor_id": ',
      })
      assert.equal(json.statusCode, 400)
      assert.equal(json.json().code, 'INVALID_JSON')
      const ndjson = await app.inject({
        method: 'POST',
        url: '/measurements',
        headers: { 'content-type': 'application/x-ndjson' },
        payload: '{"sensor_id":"a","temperature":1,"timestamp":1}\n{oops\n',
      })
      assert.equal(ndjson.statusCode, 400)
      assert.match(ndjson.json().message, /^Line 2 /)
      const empty = await app.inject({ method: 'POST', url: '/measurements' })
      assert.equal(empty.statusCode, 400)
      const scalar = await app.inject({
        method: 'POST',
        url: '/measurements',
        headers: { 'content-type': 'application/json' },
        payload: '42',
      })
      assert.equal(scalar.statusCode, 400)
    })

    it('answers 400 INVALID_ENCODING naming the byte offset for a body that is not UTF-8, and sends nothing', async (t) => {
      const { broker, topic } = await withTopic(t)
      const { app } = await ingestApp(broker, topic)
      t.after(() => app.close())
      const good = JSON.stringify({ sensor_id: 'good', temperature: 1, timestamp: now() })
      // The bad item's sensor id would otherwise be stored as "bad\uFFFD" without anyone noticing.
      const badPrefix = Buffer.from(`${good}\n{"sensor_id":"bad`)
      const bad = Buffer.concat([
        badPrefix,
        Buffer.from([0xff]),
        Buffer.from(`","temperature":1,"timestamp":1}\n`),
      ])
      for (const [type, payload, offset] of [
        ['application/x-ndjson', bad, badPrefix.length],
        [
          'application/json',
          Buffer.concat([Buffer.from('['), bad.subarray(0, -1), Buffer.from(']')]),
          badPrefix.length + 1,
        ],
      ] as const) {
        const response = await app.inject({
          method: 'POST',
          url: '/measurements',
          headers: { 'content-type': type },
          payload,
        })
        assert.equal(response.statusCode, 400, `${type}: ${response.body}`)
        const body = response.json()
        assert.equal(body.code, 'INVALID_ENCODING', type)
        assert.match(body.message, new RegExp(`UTF-8.*offset ${offset} `), type)
      }
      // Neither request's valid first item reached the log: the probe is the first record.
      await assertProbeIsFirstRecord(app, broker, topic)
    })

    it('answers 413 for a body over the byte limit or too many items, and 415 for other content types', async (t) => {
      const { broker, topic } = await withTopic(t)
      const { app } = await ingestApp(broker, topic, { maxItems: 3, bodyLimitBytes: 1024 })
      t.after(() => app.close())
      const item = { sensor_id: 'a', temperature: 1, timestamp: now() }
      const tooBig = await app.inject({
        method: 'POST',
        url: '/measurements',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify([{ ...item, sensor_id: 'x'.repeat(2000) }]),
      })
      assert.equal(tooBig.statusCode, 413)
      assert.equal(tooBig.json().code, 'BODY_TOO_LARGE')
      const tooMany = await app.inject({
        method: 'POST',
        url: '/measurements',
        payload: [item, item, item, item],
      })
      assert.equal(tooMany.statusCode, 413)
      assert.equal(tooMany.json().code, 'TOO_MANY_ITEMS')
      const text = await app.inject({
        method: 'POST',
        url: '/measurements',
        headers: { 'content-type': 'text/plain' },
        payload: 'hello',
      })
      assert.equal(text.statusCode, 415)
      assert.equal(text.json().code, 'UNSUPPORTED_MEDIA_TYPE')
    })

    const unavailableBroker = options.unavailableBroker
    // Only an adapter that can be unavailable has these cases (the embedded log is in-process).
    if (unavailableBroker) {
      /** Ingest in front of a broker that never acknowledges, closed after the test. */
      const ingestWithoutBroker = async (
        t: TestContext,
        limits: { maxInFlight: number; timeoutMs: number },
      ) => {
        const { app } = await ingestApp(await unavailableBroker(t), 'nowhere', limits)
        t.after(() => app.close())
        return app
      }
      it('answers 503 with Retry-After when the broker cannot acknowledge, and 429 over the in-flight limit', async (t) => {
        const app = await ingestWithoutBroker(t, { maxInFlight: 2, timeoutMs: 1500 })
        const item = { sensor_id: 'a', temperature: 1, timestamp: now() }
        const started = Date.now()
        const [unavailable, overloaded] = await Promise.all([
          app.inject({ method: 'POST', url: '/measurements', payload: [item, { ...item, timestamp: 1 }] }),
          new Promise((resolve) => setTimeout(resolve, 50)).then(() =>
            app.inject({ method: 'POST', url: '/measurements', payload: item }),
          ),
        ])
        assert.equal(unavailable?.statusCode, 503)
        assert.equal(unavailable?.headers['retry-after'], '1')
        assert.equal(unavailable?.json().code, 'BROKER_UNAVAILABLE')
        assert.ok(Date.now() - started < 10_000)
        assert.equal(overloaded?.statusCode, 429)
        assert.equal(overloaded?.headers['retry-after'], '1')
        const ready = await app.inject({ method: 'GET', url: '/ready' })
        assert.equal(ready.statusCode, 503)
      })

      it('once the client failed to connect, refuses the next requests at once while the first publish retries', async (t) => {
        const app = await ingestWithoutBroker(t, { maxInFlight: 1000, timeoutMs: 2000 })
        const item = { sensor_id: 'a', temperature: 1, timestamp: now() }
        const first = app.inject({ method: 'POST', url: '/measurements', payload: item })
        // Long enough for the refused connect, well short of the produce timeout.
        await new Promise((resolve) => setTimeout(resolve, 300))
        const started = Date.now()
        const next = await app.inject({ method: 'POST', url: '/measurements', payload: item })
        assert.ok(Date.now() - started < 200, 'answered without waiting for the produce timeout')
        assert.equal(next.statusCode, 503)
        assert.equal(next.json().code, 'BROKER_UNAVAILABLE')
        assert.equal((await first).statusCode, 503, 'the probe itself times out: the broker never answers')
      })

      it('once a publish timed out, refuses the next requests at once with 503 while that publish still hangs', async (t) => {
        const app = await ingestWithoutBroker(t, { maxInFlight: 1000, timeoutMs: 1000 })
        const item = { sensor_id: 'a', temperature: 1, timestamp: now() }
        const first = await app.inject({ method: 'POST', url: '/measurements', payload: item })
        assert.equal(first.statusCode, 503)
        const started = Date.now()
        const next = await app.inject({ method: 'POST', url: '/measurements', payload: [item, item] })
        assert.ok(Date.now() - started < 500, 'answered without waiting for the produce timeout')
        assert.equal(next.statusCode, 503)
        assert.equal(next.headers['retry-after'], '1')
        assert.equal(next.json().code, 'BROKER_UNAVAILABLE')
        assert.match(next.json().message, /not acknowledging/)
      })
    }

    it('serves health, readiness, metrics and an OpenAPI document built from the validation schema', async (t) => {
      const { broker, topic } = await withTopic(t)
      const { app } = await ingestApp(broker, topic)
      t.after(() => app.close())
      assert.equal((await app.inject('/health')).statusCode, 200)
      assert.equal((await app.inject('/ready')).statusCode, 200)
      await app.inject({
        method: 'POST',
        url: '/measurements',
        payload: { sensor_id: 'm', temperature: 1, timestamp: now() },
      })
      const metrics = await app.inject('/metrics')
      assert.match(
        metrics.body,
        /flowline_http_requests_total\{app="ingest",route="\/measurements",method="POST",status="202"\} 1/,
      )
      assert.match(metrics.body, /flowline_records_produced_total\{topic="[^"]+"\} 1/)
      const spec = (await app.inject('/docs/json')).json()
      assert.ok(spec.paths['/measurements'].post.requestBody.content['application/json'].schema)
      assert.ok(JSON.stringify(spec.components).includes('-273.15'))
      assert.equal((await app.inject('/docs')).statusCode < 400, true)
    })
  })
}
