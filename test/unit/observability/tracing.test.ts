import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { describe, it } from 'node:test'
import { context, ROOT_CONTEXT, type SpanContext, SpanKind, trace } from '@opentelemetry/api'
import Fastify from 'fastify'
import type { IncomingRecord, OutgoingRecord, RecordBatch, Subscription } from '../../../src/broker/broker.ts'
import { sampledAtTheDoor, tracedServerOptions } from '../../../src/observability/http-server-spans.ts'
import { journeyFromTraces } from '../../../src/observability/journey-from-traces.ts'
import {
  LINKED_KEYS,
  LINKED_OFFSETS,
  LINKED_PARTITIONS,
  LINKED_TIMESTAMPS,
  publishTraced,
  traceBatches,
} from '../../../src/observability/messaging-spans.ts'
import { recordSqlSpan } from '../../../src/observability/sql-spans.ts'
import { nameServerSpan, startTracing, tracingActive } from '../../../src/observability/tracing.ts'

const record = (sensorId: string, timestamp: string): OutgoingRecord => ({
  topic: 'temperatures',
  key: sensorId,
  value: JSON.stringify({ sensor_id: sensorId, temperature: 20, timestamp }),
})

/** A subscription over fixed batches, as a broker adapter hands them out. */
function subscriptionOf(batches: RecordBatch[]): Subscription {
  return {
    lag: async () => [],
    close: async () => {},
    async *[Symbol.asyncIterator]() {
      yield* batches
    },
  }
}

function delivered(records: readonly OutgoingRecord[], committed: string[]): RecordBatch {
  const incoming: IncomingRecord[] = records.map((outgoing, index) => ({
    topic: outgoing.topic,
    partition: 2,
    offset: BigInt(40 + index),
    key: outgoing.key,
    value: Buffer.from(outgoing.value),
    timestampMs: Date.now(),
    ...(outgoing.headers && { headers: outgoing.headers }),
  }))
  return { records: incoming, commit: async () => void committed.push('commit') }
}

const remoteParent = (sampled: boolean): SpanContext => ({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: sampled ? 1 : 0,
  isRemote: true,
})

describe('tracing', () => {
  it('is off unless an endpoint, the store or a ratio asks for it, and then leaves records and loops untouched', async () => {
    const tracing = await startTracing({
      serviceName: 'test',
      otlpEndpoint: '',
      sampleRatio: 0,
      store: false,
    })
    assert.equal(tracing.enabled, false)
    assert.equal(tracingActive(), false)
    const records = [record('s-1', '2026-12-02T07:00:00.000Z')]
    let sent: readonly OutgoingRecord[] = []
    await publishTraced('kafka', records, async (traced) => {
      sent = traced
    })
    assert.equal(sent, records, 'the same array, no copy')
    const loop = { subscription: subscriptionOf([]), prepare: () => 1, handle: async () => {} }
    assert.equal(traceBatches(loop, { system: 'kafka', group: 'g', member: 'm' }), loop)
  })

  it('follows a measurement from a sampled request through its producer span to the batch span and its commit', async (t) => {
    const tracing = await startTracing({ serviceName: 'test', otlpEndpoint: '', sampleRatio: 0, store: true })
    t.after(() => tracing.shutdown())
    const store = tracing.store
    assert.ok(store)
    const publishIn = async (parent: SpanContext, records: OutgoingRecord[]) => {
      let sent: OutgoingRecord[] = []
      const request = trace
        .getTracer('test')
        .startSpan('POST /measurements', {}, trace.setSpanContext(ROOT_CONTEXT, parent))
      await context.with(trace.setSpan(ROOT_CONTEXT, request), () =>
        publishTraced('kafka', records, async (traced) => {
          sent = traced
        }),
      )
      request.end()
      return sent
    }
    const sampled = await publishIn(remoteParent(true), [record('s-1', '2026-12-02T07:00:00.000Z')])
    const unsampled = await publishIn(remoteParent(false), [record('s-2', '2026-12-02T07:00:01.000Z')])
    assert.match(
      sampled[0]?.headers?.traceparent ?? '',
      /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/,
    )
    assert.equal(unsampled[0]?.headers, undefined, 'an unsampled request adds no header')

    const committed: string[] = []
    const writtenIn: Array<string | undefined> = []
    const loop = traceBatches(
      {
        subscription: subscriptionOf([
          delivered([...sampled, ...unsampled], committed),
          delivered(unsampled, committed),
        ]),
        prepare: (batch: RecordBatch) => batch.records.length,
        handle: async () => {
          writtenIn.push(trace.getActiveSpan()?.spanContext().spanId)
        },
      },
      { system: 'kafka', group: 'measurement-saver', member: 'host/1/0' },
    )
    for await (const batch of loop.subscription) {
      await loop.handle(batch, loop.prepare(batch))
      await batch.commit()
    }
    assert.deepEqual(committed, ['commit', 'commit'])
    const batches = [...store.spans()].filter((span) => span.name === 'process temperatures')
    assert.equal(batches.length, 1, 'only the batch carrying a sampled record has a span')
    const [batch] = batches
    assert.equal(batch?.links.length, 1, 'one link: the sampled record')
    assert.deepEqual(
      writtenIn,
      [batch?.spanContext().spanId, undefined],
      'the write runs inside the batch span',
    )
    assert.deepEqual(batch?.links[0]?.attributes?.[LINKED_OFFSETS], [40])
    assert.deepEqual(
      batch?.events.map((event) => event.name),
      ['decoded', 'offsets committed'],
    )

    const hops = journeyFromTraces(store, 's-1', Date.parse('2026-12-02T07:00:00.000Z'))
    assert.deepEqual(
      hops.map((hop) => hop.hop),
      ['received', 'acknowledged', 'consumed', 'committed'],
    )
    assert.equal(hops[1]?.partition, 2)
    assert.equal(hops[1]?.offset, '40')
    assert.deepEqual(journeyFromTraces(store, 's-2', Date.parse('2026-12-02T07:00:01.000Z')), [])
  })

  it('gives a server span only to the requests sampled at the door, and runs their SQL inside it', async (t) => {
    const tracing = await startTracing({ serviceName: 'test', otlpEndpoint: '', sampleRatio: 0, store: true })
    t.after(() => tracing.shutdown())
    const store = tracing.store
    assert.ok(store)
    const app = Fastify({ ...tracedServerOptions() })
    t.after(() => app.close())
    app.addHook('onRequest', async (request) => nameServerSpan(request.method, request.routeOptions.url))
    const activeIn: Array<string | undefined> = []
    app.post('/measurements', async (_request, reply) => {
      activeIn.push(trace.getActiveSpan()?.spanContext().spanId)
      recordSqlSpan('pg', 'SELECT  1', 2, false)
      return reply.code(202).send({ accepted: 1 })
    })
    app.get('/health', async () => ({ ok: true }))
    const base = await app.listen({ port: 0, host: '127.0.0.1' })
    const post = (traceparent?: string) =>
      fetch(`${base}/measurements`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(traceparent && { traceparent }) },
        body: '[]',
      })
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331'
    assert.equal((await post(`${parent}-01`)).status, 202)
    assert.equal((await post(`${parent}-00`)).status, 202, 'a parent that was not sampled')
    assert.equal((await post()).status, 202, 'a new trace at a ratio of 0')
    await fetch(`${base}/health`, { headers: { traceparent: `${parent}-01` } })

    const servers = [...store.spans()].filter((span) => span.kind === SpanKind.SERVER)
    assert.equal(servers.length, 1, 'only the request with a sampled parent has a span')
    const [server] = servers
    assert.equal(server?.name, 'POST /measurements')
    assert.equal(server?.parentSpanContext?.spanId, 'b7ad6b7169203331', 'it continues the client trace')
    assert.equal(server?.spanContext().traceId, '0af7651916cd43dd8448eb211c80319c')
    assert.equal(server?.attributes['http.response.status_code'], 202)
    assert.equal(server?.attributes['http.route'], '/measurements')
    assert.deepEqual(activeIn, [server?.spanContext().spanId, undefined, undefined])
    const sql = [...store.spans()].filter((span) => span.kind === SpanKind.CLIENT)
    assert.deepEqual(
      sql.map((span) => [span.name, span.parentSpanContext?.spanId, span.attributes['db.query.text']]),
      [['pg.query:SELECT', server?.spanContext().spanId, 'SELECT 1']],
      'one SQL span, inside the sampled request only',
    )
  })

  it('links once to each sampled producer context of a batch, naming the records it stands for', async (t) => {
    const tracing = await startTracing({ serviceName: 'test', otlpEndpoint: '', sampleRatio: 0, store: true })
    t.after(() => tracing.shutdown())
    const store = tracing.store
    assert.ok(store)
    const withParent = (sensorId: string, second: number, traceparent?: string): OutgoingRecord => ({
      ...record(sensorId, `2026-12-02T07:00:0${second}.000Z`),
      ...(traceparent && { headers: { traceparent } }),
    })
    const first = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    const second = '00-1bf7651916cd43dd8448eb211c80319c-c7ad6b7169203332-01'
    const notSampled = '00-2cf7651916cd43dd8448eb211c80319c-d7ad6b7169203333-00'
    const records = [
      withParent('s-1', 1, first),
      withParent('s-2', 2, first),
      withParent('s-3', 3, notSampled),
      withParent('s-4', 4),
      withParent('s-5', 5, second),
      withParent('s-6', 6, first),
    ]
    const loop = traceBatches(
      { subscription: subscriptionOf([delivered(records, [])]), prepare: () => 0, handle: async () => {} },
      { system: 'kafka', group: 'measurement-saver', member: 'host/1/0' },
    )
    for await (const batch of loop.subscription) {
      await loop.handle(batch, loop.prepare(batch))
      await batch.commit()
    }
    const [batch] = [...store.spans()].filter((span) => span.name === 'process temperatures')
    assert.deepEqual(
      batch?.links.map((link) => [
        link.context.traceId,
        link.context.spanId,
        link.context.isRemote,
        link.attributes?.['messaging.batch.message_count'],
        link.attributes?.[LINKED_KEYS],
        link.attributes?.[LINKED_PARTITIONS],
        link.attributes?.[LINKED_OFFSETS],
        link.attributes?.[LINKED_TIMESTAMPS],
      ]),
      [
        [
          '0af7651916cd43dd8448eb211c80319c',
          'b7ad6b7169203331',
          true,
          3,
          ['s-1', 's-2', 's-6'],
          [2, 2, 2],
          [40, 41, 45],
          ['2026-12-02T07:00:01.000Z', '2026-12-02T07:00:02.000Z', '2026-12-02T07:00:06.000Z'].map(
            Date.parse,
          ),
        ],
        [
          '1bf7651916cd43dd8448eb211c80319c',
          'c7ad6b7169203332',
          true,
          1,
          ['s-5'],
          [2],
          [44],
          [Date.parse('2026-12-02T07:00:05.000Z')],
        ],
      ],
      'one link per sampled context, none for the unsampled or header-less records',
    )
    const journey = journeyFromTraces(store, 's-6', Date.parse('2026-12-02T07:00:06.000Z'))
    assert.deepEqual(
      journey.filter((hop) => hop.hop === 'consumed').map((hop) => [hop.partition, hop.offset]),
      [[2, '45']],
      "the journey reads its record's place from the shared link",
    )
  })

  it('samples at the door: a parent decides, else the ratio; probes and scrapes never', () => {
    const request = (url: string, traceparent?: string) =>
      ({ url, headers: traceparent ? { traceparent } : {} }) as unknown as IncomingMessage
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331'
    assert.equal(sampledAtTheDoor(request('/measurements'), 1), true)
    assert.equal(sampledAtTheDoor(request('/measurements'), 0), false)
    assert.equal(sampledAtTheDoor(request('/measurements', `${parent}-01`), 0), true)
    assert.equal(sampledAtTheDoor(request('/measurements', `${parent}-00`), 1), false)
    assert.equal(sampledAtTheDoor(request('/health?probe=1'), 1), false)
    assert.equal(sampledAtTheDoor(request('/metrics', `${parent}-01`), 1), false)
  })
})
