import { propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import type { OutgoingRecord } from '../broker/broker.ts'
import { tracer, tracingActive } from './tracing.ts'

/**
 * Publishes redriven dead letters so that each continues the trace its dead letter carried: a
 * record whose `traceparent` is sampled gets a `send <topic>` producer span of its own, child of
 * that context, and goes out with the span's context in its header; the saver's batch span then
 * links to it, as to any produce. Records with an unsampled or no context go as they are (the
 * header, if any, still travels). One publish for all, as before: only the spans are per record,
 * and only for the sampled few.
 */
export async function publishContinuing(
  system: string,
  records: readonly OutgoingRecord[],
  publish: (records: OutgoingRecord[]) => Promise<void>,
): Promise<void> {
  if (!tracingActive()) return publish(records as OutgoingRecord[])
  const spans: Span[] = []
  const traced = records.map((record) => {
    const headers = record.headers
    if (headers?.traceparent === undefined) return record
    const parent = propagation.extract(ROOT_CONTEXT, headers)
    const origin = trace.getSpanContext(parent)
    if (!origin || (origin.traceFlags & 1) === 0) return record
    const span = tracer().startSpan(
      `send ${record.topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': system,
          'messaging.operation.type': 'send',
          'messaging.operation.name': 'send',
          'messaging.destination.name': record.topic,
          'messaging.batch.message_count': 1,
          'messaging.kafka.message.key': record.key ?? '',
          'flowline.redrive': true,
          ...(headers['flowline-redrive-of'] && { 'flowline.redrive_of': headers['flowline-redrive-of'] }),
          ...(headers['flowline-dead-letter-id'] && {
            'flowline.dead_letter.id': headers['flowline-dead-letter-id'],
          }),
        },
      },
      parent,
    )
    spans.push(span)
    const carrier: Record<string, string> = {}
    propagation.inject(trace.setSpan(parent, span), carrier)
    return { ...record, headers: { ...headers, ...carrier } }
  })
  try {
    await publish(traced)
  } catch (error) {
    for (const span of spans) {
      span.recordException(error as Error)
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message })
    }
    throw error
  } finally {
    for (const span of spans) span.end()
  }
}
