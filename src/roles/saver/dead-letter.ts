import type { IncomingRecord, OutgoingRecord } from '../../broker/broker.ts'

/** Why a record could not be stored, in words a person can act on. */
export interface Rejection {
  readonly reason: string
  readonly field?: string
  /** A machine-readable code for refusals by a rule of the domain, e.g. `INSUFFICIENT_STOCK`. */
  readonly code?: string
  /** What the rule saw when it refused (e.g. the stock levels), for the person reading the entry. */
  readonly details?: Readonly<Record<string, unknown>>
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The errors-topic entry for a record: the reason, where it came from, and the original
 * payload (as text when it is valid UTF-8, otherwise base64) so it can be inspected or replayed.
 * Only permanent failures (the data itself is wrong) are dead-lettered: an outage is retried by
 * the consume loop and never gets here, and `category` says so to the dead-letter saver.
 */
export function deadLetterRecord(
  record: IncomingRecord,
  rejection: Rejection,
  errorsTopic: string,
): OutgoingRecord {
  let payload: string
  let payloadEncoding: 'utf8' | 'base64' = 'utf8'
  try {
    payload = utf8.decode(record.value)
  } catch {
    payload = record.value.toString('base64')
    payloadEncoding = 'base64'
  }
  return {
    topic: errorsTopic,
    key: record.key ?? `${record.topic}-${record.partition}-${record.offset}`,
    value: JSON.stringify({
      reason: rejection.reason,
      field: rejection.field ?? null,
      ...(rejection.code === undefined ? {} : { code: rejection.code }),
      ...(rejection.details === undefined ? {} : { details: rejection.details }),
      source_topic: record.topic,
      partition: record.partition,
      offset: record.offset.toString(),
      source_key: record.key,
      category: 'permanent',
      payload,
      payload_encoding: payloadEncoding,
      failed_at: new Date().toISOString(),
    }),
    // The record's trace context goes on with it: its dead-letter entry and a redrive continue the journey.
    ...(record.headers && { headers: record.headers }),
  }
}
