import type { OutgoingRecord } from '../../broker/broker.ts'
import { validateMeasurement } from '../../domain/validation.ts'
import { FlowlineError } from '../../errors.ts'
import type { DeadLetterWithPayload } from '../../storage/dead-letters-repository.ts'

/** Headers a redriven record carries: where it was first read, and which dead letter sent it back. */
export const REDRIVE_OF_HEADER = 'flowline-redrive-of'
export const DEAD_LETTER_ID_HEADER = 'flowline-dead-letter-id'

const utf8 = new TextDecoder('utf-8', { fatal: true })

export interface RedriveContext {
  /** The errors topic: an entry read from it has no source to go back to. */
  readonly errorsTopic: string
  /** The measurements topic: a corrected payload for it is validated before it is sent. */
  readonly measurementsTopic: string
  /** The stock movements topic: a movement sent back must not reuse a movement_id the ledger decided. */
  readonly stockTopic: string
  readonly futureToleranceMs: number
}

/** Why a dead letter cannot go back as it is, or undefined when it can. */
export function whyNotRedrivable(letter: DeadLetterWithPayload, context: RedriveContext): string | undefined {
  if (letter.source.topic === context.errorsTopic)
    return `dead letter ${letter.id} was read from the errors topic itself and has no source topic to go back to`
  return undefined
}

/**
 * The record a redrive publishes: the corrected payload (or the original bytes, which must be
 * text since records are published as text), keyed by the payload's sensor so that it lands on
 * that sensor's partition, with headers naming the original coordinates. The saver stores it
 * with ON CONFLICT DO NOTHING on (sensor_id, ts), so a record sent back twice is stored once.
 */
export function redriveRecord(
  letter: DeadLetterWithPayload,
  context: RedriveContext,
  corrected?: string,
): OutgoingRecord {
  const refused = whyNotRedrivable(letter, context)
  if (refused) throw new FlowlineError('CONFLICT', refused)
  let value = corrected
  if (value === undefined) {
    try {
      value = utf8.decode(letter.payload)
    } catch {
      throw new FlowlineError(
        'CONFLICT',
        `dead letter ${letter.id}: payload is not UTF-8 text; redrive it with a corrected body/payload`,
      )
    }
  } else if (letter.source.topic === context.measurementsTopic) {
    checkCorrectedMeasurement(value, context.futureToleranceMs)
  }
  const { source } = letter
  return {
    topic: source.topic,
    key:
      textFieldOf(value, 'sensor_id') ??
      letter.key ??
      letter.sensor_id ??
      `${source.topic}-${source.partition}-${source.offset}`,
    value,
    headers: {
      [REDRIVE_OF_HEADER]: `${source.topic}/${source.partition}/${source.offset}`,
      [DEAD_LETTER_ID_HEADER]: letter.id,
      // The dead letter's trace goes on: the redrive's produce span continues it (redrive-spans.ts).
      ...(letter.traceparent && { traceparent: letter.traceparent }),
    },
  }
}

/** A non-empty text field of a JSON object payload, or undefined (not JSON, absent, not text). */
export function textFieldOf(payload: string, field: string): string | undefined {
  try {
    const value = (JSON.parse(payload) as Record<string, unknown> | null)?.[field]
    return typeof value === 'string' && value.length > 0 ? value : undefined
  } catch {
    return undefined
  }
}

/** A correction that would fail again is refused now, naming the field, instead of coming back as a new dead letter. */
function checkCorrectedMeasurement(payload: string, futureToleranceMs: number): void {
  let item: unknown
  try {
    item = JSON.parse(payload)
  } catch (error) {
    throw new FlowlineError(
      'VALIDATION_FAILED',
      `body/payload is not valid JSON: ${(error as Error).message}`,
    )
  }
  const result = validateMeasurement(item, Date.now(), futureToleranceMs)
  if (!result.ok)
    throw new FlowlineError(
      'VALIDATION_FAILED',
      `body/payload/${result.problem.field} ${result.problem.reason}`,
    )
}
