import type { Link } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace'
import { MEASUREMENT_TIMESTAMP } from './messaging-spans.ts'
import type { SpanStore } from './span-store.ts'

/** One step of a measurement through the pipeline, as the journey view shows it. */
export interface Hop {
  readonly hop:
    | 'received'
    | 'acknowledged'
    | 'consumed'
    | 'written'
    | 'stored'
    | 'committed'
    | 'dead_lettered'
    | 'redriven'
  readonly at: string
  readonly source: 'trace' | 'data'
  readonly [detail: string]: unknown
}

const iso = (time: readonly [number, number]) => new Date(time[0] * 1000 + time[1] / 1e6).toISOString()
const millis = (time: readonly [number, number]) => time[0] * 1000 + time[1] / 1e6
const ids = (span: ReadableSpan) => ({
  trace_id: span.spanContext().traceId,
  span_id: span.spanContext().spanId,
})

const isMeasurementLink = (link: Link, sensorId: string, timestampMs: number) =>
  link.attributes?.['messaging.kafka.message.key'] === sensorId &&
  link.attributes?.[MEASUREMENT_TIMESTAMP] === timestampMs

/**
 * Every consumer batch span that links to the measurement, newest first, with that link: one per
 * group normally, more when the record was redriven (or redelivered after a crash).
 */
function consumerBatches(store: SpanStore, sensorId: string, timestampMs: number) {
  const batches: Array<{ batch: ReadableSpan; link: Link }> = []
  for (const span of store.spans()) {
    if (!span.name.startsWith('process ')) continue
    const link = span.links.find((candidate) => isMeasurementLink(candidate, sensorId, timestampMs))
    if (link) batches.push({ batch: span, link })
  }
  return batches
}

/** Received by ingest and acknowledged by the log: the producer span a link points to, and its request. */
function producerHops(store: SpanStore, link: Link): Hop[] {
  const producer = store.find(link.context.traceId, link.context.spanId)
  if (!producer) return []
  if (producer.attributes['flowline.redrive'] === true)
    return [
      {
        hop: 'redriven',
        at: iso(producer.endTime),
        source: 'trace',
        topic: producer.attributes['messaging.destination.name'],
        partition: Number(link.attributes?.['messaging.destination.partition.id']),
        offset: String(link.attributes?.['messaging.kafka.offset']),
        dead_letter_id: producer.attributes['flowline.dead_letter.id'],
        latency_ms: Math.round(millis(producer.endTime) - millis(producer.startTime)),
        ...ids(producer),
      },
    ]
  const request = producer.parentSpanContext
    ? store.find(producer.spanContext().traceId, producer.parentSpanContext.spanId)
    : undefined
  return [
    {
      hop: 'received',
      at: iso((request ?? producer).startTime),
      source: 'trace',
      service: producer.resource.attributes['service.name'],
      request_id: producer.attributes['flowline.request_id'],
      ...ids(request ?? producer),
    },
    {
      hop: 'acknowledged',
      at: iso(producer.endTime),
      source: 'trace',
      topic: producer.attributes['messaging.destination.name'],
      partition: Number(link.attributes?.['messaging.destination.partition.id']),
      offset: String(link.attributes?.['messaging.kafka.offset']),
      latency_ms: Math.round(millis(producer.endTime) - millis(producer.startTime)),
      ...ids(producer),
    },
  ]
}

/** Consumed by a group's batch, written by its SQL or dead-lettered, then its offsets committed. */
function consumerHops(store: SpanStore, batch: ReadableSpan, link: Link) {
  const group = batch.attributes['messaging.consumer.group.name']
  const hops: Hop[] = [
    {
      hop: 'consumed',
      at: iso(batch.startTime),
      source: 'trace',
      topic: batch.attributes['messaging.destination.name'],
      partition: Number(link.attributes?.['messaging.destination.partition.id']),
      offset: String(link.attributes?.['messaging.kafka.offset']),
      group,
      member: batch.attributes['messaging.client.id'],
      batch_size: batch.attributes['messaging.batch.message_count'],
      ...ids(batch),
    },
  ]
  const children = store.childrenOf(batch)
  for (const child of children) {
    if (!child.name.startsWith('send ')) continue
    // A dead-letter entry links to the same producer context as the batch did.
    const sameRecord = (candidate: Link) =>
      candidate.context.spanId === link.context.spanId && candidate.context.traceId === link.context.traceId
    if (!child.links.some(sameRecord)) continue
    hops.push({
      hop: 'dead_lettered',
      at: iso(child.endTime),
      source: 'trace',
      group,
      topic: child.attributes['messaging.destination.name'],
      ...ids(child),
    })
  }
  // The batch's last statement to finish: its single INSERT, or the COMMIT of a transaction.
  const lastSql = children
    .filter((child) => /^(pg|pglite)\.query:/.test(child.name))
    .sort((a, b) => millis(b.endTime) - millis(a.endTime))[0]
  if (lastSql)
    hops.push({
      hop: 'written',
      at: iso(lastSql.endTime),
      source: 'trace',
      group,
      statement: lastSql.name,
      ...ids(lastSql),
    })
  const committed = batch.events.find((event) => event.name === 'offsets committed')
  if (committed)
    hops.push({ hop: 'committed', at: iso(committed.time), source: 'trace', group, ...ids(batch) })
  return hops
}

/**
 * The hops of one measurement found in this process's spans: the consumer batch spans that link
 * to it, the producer span each link points to (ingest's, with its HTTP request, or a redrive's),
 * the SQL and dead-letter spans of each batch. Empty when it was not sampled or its spans left
 * the store.
 */
export function journeyFromTraces(store: SpanStore, sensorId: string, timestampMs: number): Hop[] {
  const batches = consumerBatches(store, sensorId, timestampMs)
  // The aggregator's batch links to the same producer span as the saver's: one producer hop each.
  const producers = new Map<string, Link>()
  for (const { link } of batches) producers.set(`${link.context.traceId}/${link.context.spanId}`, link)
  return [
    ...[...producers.values()].flatMap((link) => producerHops(store, link)),
    ...batches.flatMap(({ batch, link }) => consumerHops(store, batch, link)),
  ]
}
