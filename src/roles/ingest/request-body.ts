import { isUtf8 } from 'node:buffer'
import { FlowlineError } from '../../errors.ts'
import { firstInvalidUtf8Offset } from './utf8-offset.ts'

export const NDJSON = 'application/x-ndjson'

/** The body could not be decoded: which line (NDJSON) and why. */
export class InvalidBodyError extends FlowlineError {
  static readonly code = 'INVALID_JSON'
  constructor(message: string) {
    super(InvalidBodyError.code, message)
  }
}

/** The body is not UTF-8: where the first bad byte is. */
export class InvalidEncodingError extends FlowlineError {
  static readonly code = 'INVALID_ENCODING'
  constructor(offset: number) {
    super(
      InvalidEncodingError.code,
      `The body is not valid UTF-8: the byte sequence at offset ${offset} (from 0) is malformed`,
    )
  }
}

export class TooManyItemsError extends FlowlineError {
  static readonly code = 'TOO_MANY_ITEMS'
  constructor(count: number, max: number) {
    super(TooManyItemsError.code, `The request carries ${count} measurements; at most ${max} are accepted`)
  }
}

/**
 * Decodes a body as UTF-8 and refuses it when it is not: decoding with U+FFFD replacement would
 * store altered sensor ids silently. isUtf8 runs natively (SIMD), so the check costs next to nothing.
 */
export function decodeUtf8Body(body: Buffer): string {
  if (!isUtf8(body)) throw new InvalidEncodingError(firstInvalidUtf8Offset(body))
  return body.toString('utf8')
}

/** Decodes a JSON body: one object is one item, an array is many. */
export function parseJsonItems(body: string): unknown[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch (error) {
    throw new InvalidBodyError(`The body is not valid JSON: ${(error as Error).message}`)
  }
  if (Array.isArray(parsed)) return parsed
  if (typeof parsed === 'object' && parsed !== null) return [parsed]
  throw new InvalidBodyError('The body must be a measurement object or an array of them')
}

/** Decodes newline-delimited JSON, one item a line; blank lines are ignored. */
export function parseNdjsonItems(body: string): unknown[] {
  const items: unknown[] = []
  const lines = body.split('\n')
  for (let line = 0; line < lines.length; line++) {
    const text = lines[line]?.trim()
    if (!text) continue
    try {
      items.push(JSON.parse(text))
    } catch (error) {
      throw new InvalidBodyError(`Line ${line + 1} is not valid JSON: ${(error as Error).message}`)
    }
  }
  if (items.length === 0) throw new InvalidBodyError('The body holds no measurement')
  return items
}
