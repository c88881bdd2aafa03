import {
  type Attributes,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'
import type { Broker, IncomingRecord, OutgoingRecord, RecordBatch, Subscription } from '../broker/broker.ts'
import { tracer, tracingActive } from './tracing.ts'

/**
 * The Kafka hops, instrumented by Flowline after the OpenTelemetry messaging conventions: a
 * producer span per publish whose context travels in each record's `traceparent` header, and a
 * consumer span per batch that links once to each sampled producer context its records carry. Every
 * function here returns at once when tracing is off.
 */

/**
 * Attributes of a link, one entry per record that carries the linked context, in batch order: the
 * records of one request share one producer context, so a batch links to it once and the arrays
 * say which records it stands for (the journey view finds a measurement by key and timestamp).
 */
export const LINKED_KEYS = 'flowline.messages.keys'
export const LINKED_PARTITIONS = 'flowline.messages.partitions'
export const LINKED_OFFSETS = 'flowline.messages.offsets'
export const LINKED_TIMESTAMPS = 'flowline.measurements.timestamps_ms'

/** `messaging.system` of a broker adapter: Kafka, or the embedded log standing in for it. */
export const messagingSystem = (broker: Broker) =>
  broker.name === 'kafka' ? 'kafka' : 'flowline_embedded_log'

/**
 * Publishes through `publish` inside a producer span, child of the active span, with the span's
 * context injected into every record. Without an active sampled span the records go as they are.
 */
export async function publishTraced<R extends OutgoingRecord>(
  system: string,
  records: readonly R[],
  publish: (records: R[]) => Promise<void>,
  attributes: Attributes = {},
  links: Link[] = [],
): Promise<void> {
  if (!tracingActive() || records.length === 0) return publish(records as R[])
  const parent = context.active()
  if (!trace.getSpan(parent)?.isRecording() && links.length === 0) return publish(records as R[])
  const topic = records[0]?.topic ?? ''
  const span = tracer().startSpan(
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      links,
      attributes: {
        'messaging.system': system,
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.destination.name': topic,
        'messaging.batch.message_count': records.length,
        ...(records.length === 1 && { 'messaging.kafka.message.key': records[0]?.key }),
        ...attributes,
      },
    },
    parent,
  )
  const carrier: Record<string, string> = {}
  propagation.inject(trace.setSpan(parent, span), carrier)
  // Records without headers of their own share one object: the same context for each of them.
  const traced = records.map((record) => ({
    ...record,
    headers: record.headers ? { ...record.headers, ...carrier } : carrier,
  }))
  try {
    await publish(traced)
  } catch (error) {
    span.recordException(error as Error)
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message })
    throw error
  } finally {
    span.end()
  }
}

/** A broker whose publishes get producer spans linking to the records' own contexts (dead letters). */
export function withProducerSpans(broker: Broker): Broker {
  if (!tracingActive()) return broker
  const system = messagingSystem(broker)
  const groupBacklog = broker.groupBacklog?.bind(broker)
  // Delegates explicitly: the adapters keep their state in private fields, which a prototype
  // chain would not reach.
  return {
    name: broker.name,
    ensureTopics: (topics) => broker.ensureTopics(topics),
    publish: (records) =>
      publishTraced(system, records, (traced) => broker.publish(traced), {}, sampledLinks(records)),
    subscribe: (options) => broker.subscribe(options),
    isReachable: () => broker.isReachable(),
    close: () => broker.close(),
    ...(groupBacklog && { groupBacklog }),
  }
}

/**
 * One link per sampled producer context that the records carry, with where each of its records
 * sits. The records of one request share one `traceparent` (and `tracestate`): a batch holding a
 * sampled request's 100 records parses it once per run of records and links to it once, not 100
 * times; records without one cost a property read.
 */
type LinkedRecords = { context: SpanContext; records: Array<OutgoingRecord | IncomingRecord> }

function sampledLinks(records: readonly (OutgoingRecord | IncomingRecord)[]): Link[] {
  // Made at the first record with a context: a batch without any allocates nothing here.
  let linked: Map<string, LinkedRecords | null> | undefined
  let lastParent: string | undefined
  let lastState: string | undefined
  let lastGroup: LinkedRecords | null | undefined
  for (const record of records) {
    const headers = record.headers
    const parent = headers?.traceparent
    if (parent === undefined) continue
    if (parent !== lastParent || headers?.tracestate !== lastState) {
      lastParent = parent
      lastState = headers?.tracestate
      const id = `${parent} ${lastState ?? ''}`
      linked ??= new Map()
      lastGroup = linked.get(id)
      if (lastGroup === undefined) {
        const context = sampledContextOf(headers as Readonly<Record<string, string>>)
        lastGroup = context ? { context, records: [] } : null
        linked.set(id, lastGroup)
      }
    }
    lastGroup?.records.push(record)
  }
  const links: Link[] = []
  for (const group of linked?.values() ?? [])
    if (group) links.push({ context: group.context, attributes: linkAttributes(group.records) })
  return links
}

function sampledContextOf(headers: Readonly<Record<string, string>>): SpanContext | undefined {
  const spanContext = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, headers))
  return spanContext && (spanContext.traceFlags & 1) === 1 ? spanContext : undefined
}

function linkAttributes(records: readonly (OutgoingRecord | IncomingRecord)[]): Attributes {
  const attributes: Attributes = {
    'messaging.batch.message_count': records.length,
    [LINKED_KEYS]: records.map((record) => record.key ?? ''),
    [LINKED_TIMESTAMPS]: records.map((record) => measurementTimestamp(record.value) ?? null),
  }
  const incoming = records.filter((record): record is IncomingRecord => 'offset' in record)
  if (incoming.length === records.length) {
    attributes[LINKED_PARTITIONS] = incoming.map((record) => record.partition)
    attributes[LINKED_OFFSETS] = incoming.map((record) => Number(record.offset))
  }
  return attributes
}

/** The `timestamp` of a measurement payload, in epoch ms; undefined when it has none readable. */
function measurementTimestamp(value: string | Buffer): number | undefined {
  try {
    const timestamp = (JSON.parse(value.toString()) as { timestamp?: unknown }).timestamp
    const ms = typeof timestamp === 'string' ? Date.parse(timestamp) : timestamp
    return typeof ms === 'number' && Number.isFinite(ms) ? ms : undefined
  } catch {
    return undefined
  }
}

export interface BatchTracingOptions {
  readonly system: string
  readonly group: string
  /** Which member of the group, for the journey: host, process and member index. */
  readonly member: string
}

interface BatchLoop<Prepared> {
  readonly subscription: Subscription
  readonly prepare: (batch: RecordBatch) => Prepared
  readonly handle: (batch: RecordBatch, prepared: Prepared) => Promise<void>
}

/**
 * Wraps a consume loop's subscription and handler so each batch carrying a sampled record gets a
 * `process <topic>` consumer span covering decode (`prepare`), the write (`handle`, whose SQL and
 * dead-letter spans become its children) and the offset commit, with a link per sampled producer
 * context.
 */
export function traceBatches<Prepared>(loop: BatchLoop<Prepared>, options: BatchTracingOptions) {
  if (!tracingActive()) return loop
  const spans = new WeakMap<RecordBatch, Span>()
  const inSpan = <T>(batch: RecordBatch, work: () => T): T => {
    const span = spans.get(batch)
    return span ? context.with(trace.setSpan(ROOT_CONTEXT, span), work) : work()
  }
  const source = loop.subscription
  const subscription: Subscription = {
    lag: () => source.lag(),
    close: () => source.close(),
    async *[Symbol.asyncIterator]() {
      for await (const batch of source) {
        const links = sampledLinks(batch.records)
        if (links.length === 0) {
          yield batch
          continue
        }
        const span = startBatchSpan(batch, links, options)
        const traced: RecordBatch = {
          records: batch.records,
          // A commit that fails is retried by the loop; a batch never committed (shutdown, rebalance)
          // leaves its span unended, and so unexported: it is read again and traced again.
          async commit() {
            await batch.commit()
            span.addEvent('offsets committed')
            span.end()
          },
        }
        spans.set(traced, span)
        yield traced
      }
    },
  }
  return {
    subscription,
    prepare: (batch: RecordBatch) =>
      inSpan(batch, () => {
        const prepared = loop.prepare(batch)
        spans.get(batch)?.addEvent('decoded')
        return prepared
      }),
    handle: (batch: RecordBatch, prepared: Prepared) => inSpan(batch, () => loop.handle(batch, prepared)),
  }
}

function startBatchSpan(batch: RecordBatch, links: Link[], options: BatchTracingOptions): Span {
  const first = batch.records[0]
  const last = batch.records[batch.records.length - 1]
  const partitionSet = new Set<number>()
  for (const record of batch.records) partitionSet.add(record.partition)
  const partitions = [...partitionSet]
  return tracer().startSpan(
    `process ${first?.topic ?? ''}`,
    {
      kind: SpanKind.CONSUMER,
      root: true,
      links,
      attributes: {
        'messaging.system': options.system,
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': first?.topic ?? '',
        'messaging.consumer.group.name': options.group,
        'messaging.client.id': options.member,
        'messaging.batch.message_count': batch.records.length,
        ...(partitions.length === 1 && {
          'messaging.destination.partition.id': String(first?.partition),
          'flowline.batch.first_offset': Number(first?.offset),
          'flowline.batch.last_offset': Number(last?.offset),
        }),
        'flowline.batch.partitions': partitions.map(String),
      },
    },
    ROOT_CONTEXT,
  )
}
