import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { context, ROOT_CONTEXT, type SpanContext, trace } from '@opentelemetry/api'
import type { IncomingRecord, OutgoingRecord, RecordBatch, Subscription } from '../../../src/broker/broker.ts'
import { journeyFromTraces } from '../../../src/observability/journey-from-traces.ts'
import { publishTraced, traceBatches } from '../../../src/observability/messaging-spans.ts'
import { startTracing, tracingActive } from '../../../src/observability/tracing.ts'

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
    assert.equal(batch?.links[0]?.attributes?.['messaging.kafka.offset'], 40)
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
})
