import { FlowlineError } from '../../errors.ts'

/** A keyset position in "newest first" order: the (ts, id) of the last row a page returned. */
export interface Cursor {
  readonly tsMs: number
  readonly id: string
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.tsMs}:${cursor.id}`).toString('base64url')
}

export function decodeCursor(text: string): Cursor {
  const match = /^(\d{1,16}):(\d{1,19})$/.exec(Buffer.from(text, 'base64url').toString('utf8'))
  // Bounded by what Date and bigint can hold, so a forged cursor is a 400, never a 500.
  if (!match?.[1] || !match[2] || Number(match[1]) > 8.64e15 || BigInt(match[2]) > 9223372036854775807n) {
    throw new FlowlineError('INVALID_CURSOR', 'querystring/cursor is not a cursor this API returned')
  }
  return { tsMs: Number(match[1]), id: match[2] }
}
