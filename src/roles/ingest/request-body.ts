import { FlowlineError } from '../../errors.ts'

export const NDJSON = 'application/x-ndjson'

/** The body could not be decoded: which line (NDJSON) and why. */
export class InvalidBodyError extends FlowlineError {
  static readonly code = 'INVALID_JSON'
  constructor(message: string) {
    super(InvalidBodyError.code, message, 400, false)
  }
}

export class TooManyItemsError extends FlowlineError {
  static readonly code = 'TOO_MANY_ITEMS'
  constructor(count: number, max: number) {
    super(
      TooManyItemsError.code,
      `The request carries ${count} measurements; at most ${max} are accepted`,
      413,
      false,
    )
  }
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
