import type { Link } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace'
import { LINKED_KEYS, LINKED_OFFSETS, LINKED_PARTITIONS, LINKED_TIMESTAMPS } from './messaging-spans.ts'
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

/** A link standing for one record: the context, and where that record sat in the log. */
interface RecordLink {
  readonly link: Link
  readonly partition: number
  readonly offset: string
}

/** The keys of the records a link stands for; none for a link of another kind. */
function linkedKeys(link: Link): readonly unknown[] {
  const keys = link.attributes?.[LINKED_KEYS]
  return Array.isArray(keys) ? keys : []
}

/** The record of a link that is this measurement (its key and timestamp), if the link covers it. */
function measurementIn(link: Link, sensorId: string, timestampMs: number): RecordLink | undefined {
  const keys = linkedKeys(link)
  const timestamps = link.attributes?.[LINKED_TIMESTAMPS]
  if (!Array.isArray(timestamps)) return undefined
  for (let index = 0; index < keys.length; index++) {
    if (keys[index] !== sensorId || timestamps[index] !== timestampMs) continue
    const partitions = link.attributes?.[LINKED_PARTITIONS]
    const offsets = link.attributes?.[LINKED_OFFSETS]
    return {
      link,
      partition: Number(Array.isArray(partitions) ? partitions[index] : Number.NaN),
      offset: String(Array.isArray(offsets) ? offsets[index] : ''),
    }
  }
  return undefined
}

/**
 * Every consumer batch span that links to the measurement, newest first, with that link: one per
 * group normally, more when the record was redriven (or redelivered after a crash).
 */
function consumerBatches(store: SpanStore, sensorId: string, timestampMs: number) {
  const batches: Array<{ batch: ReadableSpan; record: RecordLink }> = []
  for (const span of store.spans()) {
    if (!span.name.startsWith('process ')) continue
    for (const link of span.links) {
      const record = measurementIn(link, sensorId, timestampMs)
      if (!record) continue
      batches.push({ batch: span, record })
      break
    }
  }
  return batches
}

/** Received by ingest and acknowledged by the log: the producer span a link points to, and its request. */
function producerHops(store: SpanStore, { link, partition, offset }: RecordLink): Hop[] {
  const producer = store.find(link.context.traceId, link.context.spanId)
  if (!producer) return []
  if (producer.attributes['flowline.redrive'] === true)
    return [
      {
        hop: 'redriven',
        at: iso(producer.endTime),
        source: 'trace',
        topic: producer.attributes['messaging.destination.name'],
        partition,
        offset,
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
      partition,
      offset,
      latency_ms: Math.round(millis(producer.endTime) - millis(producer.startTime)),
      ...ids(producer),
    },
  ]
}

/** Consumed by a group's batch, written by its SQL or dead-lettered, then its offsets committed. */
function consumerHops(
  store: SpanStore,
  batch: ReadableSpan,
  { link, partition, offset }: RecordLink,
  sensorId: string,
) {
  const group = batch.attributes['messaging.consumer.group.name']
  const hops: Hop[] = [
    {
      hop: 'consumed',
      at: iso(batch.startTime),
      source: 'trace',
      topic: batch.attributes['messaging.destination.name'],
      partition,
      offset,
      group,
      member: batch.attributes['messaging.client.id'],
      batch_size: batch.attributes['messaging.batch.message_count'],
      ...ids(batch),
    },
  ]
  const children = store.childrenOf(batch)
  for (const child of children) {
    if (!child.name.startsWith('send ')) continue
    // A dead-letter entry links to the same producer context as the batch did, for the same key.
    const sameRecord = (candidate: Link) =>
      candidate.context.spanId === link.context.spanId &&
      candidate.context.traceId === link.context.traceId &&
      linkedKeys(candidate).includes(sensorId)
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
  const producers = new Map<string, RecordLink>()
  for (const { record } of batches)
    producers.set(`${record.link.context.traceId}/${record.link.context.spanId}`, record)
  return [
    ...[...producers.values()].flatMap((record) => producerHops(store, record)),
    ...batches.flatMap(({ batch, record }) => consumerHops(store, batch, record, sensorId)),
  ]
}
