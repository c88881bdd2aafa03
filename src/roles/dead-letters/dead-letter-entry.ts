import type { IncomingRecord } from '../../broker/broker.ts'
import type { DeadLetterEntry } from '../../storage/dead-letters-repository.ts'

/** What the dead-letter saver does with one errors-topic record. */
export type ParsedEntry =
  | { readonly kind: 'entry'; readonly entry: DeadLetterEntry }
  /** A failure another producer marked as passing: it must be retried, never parked here. */
  | { readonly kind: 'refused'; readonly why: string }

/** PostgreSQL text refuses NUL and lone surrogates; a hostile producer's entry must still be stored. */
const storable = (value: string): string => value.replaceAll('\u0000', '\uFFFD').toWellFormed()
const text = (value: unknown): string | undefined => (typeof value === 'string' ? storable(value) : undefined)
const offsetOf = (value: unknown): bigint | undefined => {
  const digits = typeof value === 'number' ? String(value) : text(value)
  return digits !== undefined && /^\d{1,19}$/.test(digits) ? BigInt(digits) : undefined
}

/** The sensor and event time of a measurement payload, when it has them, for the delivery lookup. */
export function readingOf(payload: Buffer): { sensorId: string | null; measuredAtMs: number | null } {
  try {
    const item = JSON.parse(payload.toString('utf8')) as Record<string, unknown>
    const sensorId = text(item?.sensor_id)
    const timestamp = item?.timestamp
    const ms =
      typeof timestamp === 'number' ? timestamp : typeof timestamp === 'string' ? Date.parse(timestamp) : NaN
    return {
      sensorId: sensorId ?? null,
      measuredAtMs: Number.isFinite(ms) && ms >= 0 && ms <= 8.64e15 ? ms : null,
    }
  } catch {
    return { sensorId: null, measuredAtMs: null }
  }
}

/**
 * Reads an errors-topic record into a dead letter. It accepts what every version of the saver
 * wrote (before `category` and `source_key`, the key of the errors record was the source key, or
 * `<topic>-<partition>-<offset>` when it had none) and keeps the payload's bytes: `utf8` text as
 * is, `base64` decoded. Entries another producer wrote in another shape are kept too, with the
 * errors record itself as their source, so that nothing on the topic is lost from view.
 */
export function parseErrorsRecord(record: IncomingRecord): ParsedEntry {
  const own = {
    errorsTopic: record.topic,
    errorsPartition: record.partition,
    errorsOffset: record.offset,
    failedAtMs: record.timestampMs,
    // The context of the dead-letter publish, which links to the record's own: a redrive continues it.
    traceparent: record.headers?.traceparent ?? null,
  }
  let body: Record<string, unknown> | undefined
  try {
    const parsed = JSON.parse(record.value.toString('utf8')) as unknown
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      body = parsed as Record<string, unknown>
  } catch {
    // Falls through to an entry about the record itself.
  }
  const sourcePartition = body?.partition
  const sourceOffset = offsetOf(body?.offset)
  const sourceTopic = text(body?.source_topic)
  const payloadText = text(body?.payload)
  const encoding = body?.payload_encoding ?? 'utf8'
  if (
    !body ||
    sourceTopic === undefined ||
    !Number.isInteger(sourcePartition) ||
    sourceOffset === undefined ||
    payloadText === undefined ||
    (encoding !== 'utf8' && encoding !== 'base64')
  ) {
    return {
      kind: 'entry',
      entry: {
        ...own,
        sourceTopic: record.topic,
        sourcePartition: record.partition,
        sourceOffset: record.offset,
        sourceKey: record.key === null ? null : storable(record.key),
        payload: record.value,
        reason: 'errors-topic record is not a Flowline dead letter (no source coordinates or payload)',
        field: null,
        ...readingOf(record.value),
      },
    }
  }
  const category = body.category ?? 'permanent'
  if (category !== 'permanent') return { kind: 'refused', why: `category ${String(category)}` }
  const payload = Buffer.from(payloadText, encoding === 'base64' ? 'base64' : 'utf8')
  const fallbackKey = `${sourceTopic}-${String(sourcePartition)}-${sourceOffset}`
  const sourceKey =
    'source_key' in body
      ? (text(body.source_key) ?? null)
      : record.key === fallbackKey
        ? null
        : (text(record.key) ?? null)
  const failedAtMs = Date.parse(text(body.failed_at) ?? '')
  return {
    kind: 'entry',
    entry: {
      ...own,
      sourceTopic,
      sourcePartition: sourcePartition as number,
      sourceOffset,
      sourceKey,
      payload,
      reason: text(body.reason) ?? '(no reason given)',
      field: text(body.field) ?? null,
      failedAtMs: Number.isFinite(failedAtMs) ? failedAtMs : record.timestampMs,
      ...readingOf(payload),
    },
  }
}
