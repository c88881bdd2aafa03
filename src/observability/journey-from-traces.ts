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
 * The hops of one measurement found in this process's spans: the consumer batch span that links
 * to it (the latest delivery), the producer span the link points to, its HTTP request, the SQL
 * written in the batch, and a dead-letter publish that links to it. Empty when it was not sampled
 * or its spans have left the store.
 */
export function journeyFromTraces(store: SpanStore, sensorId: string, timestampMs: number): Hop[] {
  let batch: ReadableSpan | undefined
  let link: Link | undefined
  for (const span of store.spans()) {
    if (!span.name.startsWith('process ')) continue
    link = span.links.find((candidate) => isMeasurementLink(candidate, sensorId, timestampMs))
    if (link) {
      batch = span
      break
    }
  }
  if (!batch || !link) return []
  const hops: Hop[] = []
  const producer = store.find(link.context.traceId, link.context.spanId)
  if (producer) {
    const request = producer.parentSpanContext
      ? store.find(producer.spanContext().traceId, producer.parentSpanContext.spanId)
      : undefined
    hops.push({
      hop: 'received',
      at: iso((request ?? producer).startTime),
      source: 'trace',
      service: producer.resource.attributes['service.name'],
      request_id: producer.attributes['flowline.request_id'],
      ...ids(request ?? producer),
    })
    hops.push({
      hop: 'acknowledged',
      at: iso(producer.endTime),
      source: 'trace',
      topic: producer.attributes['messaging.destination.name'],
      partition: Number(link.attributes?.['messaging.destination.partition.id']),
      offset: String(link.attributes?.['messaging.kafka.offset']),
      latency_ms: Math.round(millis(producer.endTime) - millis(producer.startTime)),
      ...ids(producer),
    })
  }
  hops.push({
    hop: 'consumed',
    at: iso(batch.startTime),
    source: 'trace',
    topic: batch.attributes['messaging.destination.name'],
    partition: Number(link.attributes?.['messaging.destination.partition.id']),
    offset: String(link.attributes?.['messaging.kafka.offset']),
    group: batch.attributes['messaging.consumer.group.name'],
    member: batch.attributes['messaging.client.id'],
    batch_size: batch.attributes['messaging.batch.message_count'],
    ...ids(batch),
  })
  for (const child of store.childrenOf(batch)) {
    if (child.name.startsWith('send ')) {
      const deadLetter = child.links.find((candidate) => isMeasurementLink(candidate, sensorId, timestampMs))
      if (deadLetter)
        hops.push({
          hop: 'dead_lettered',
          at: iso(child.endTime),
          source: 'trace',
          topic: child.attributes['messaging.destination.name'],
          ...ids(child),
        })
    } else if (/^(pg|pglite)\.query:(WITH|INSERT)/.test(child.name)) {
      hops.push({
        hop: 'written',
        at: iso(child.endTime),
        source: 'trace',
        statement: child.name,
        ...ids(child),
      })
    }
  }
  const committed = batch.events.find((event) => event.name === 'offsets committed')
  if (committed) hops.push({ hop: 'committed', at: iso(committed.time), source: 'trace', ...ids(batch) })
  return hops
}
