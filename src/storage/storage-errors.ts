import { StorageRejectedError, StorageUnavailableError } from '../errors.ts'

/** Socket errors that mean the server could not be reached, not that a statement was wrong. */
const UNREACHABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
])

/**
 * SQLSTATEs of a server that is starting, stopping or out of connections (class 08 is matched
 * by prefix): the same statement succeeds once it is back.
 */
const PASSING_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
])

/** pg and pg-pool raise these without a code, so their message is all there is to recognise them by. */
const LOST_CONNECTION_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error',
]

/** Whether the database could not be reached or dropped the connection, rather than refusing the statement. */
export function isStorageUnreachable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false
  const { code, message, cause, errors } = error as {
    code?: unknown
    message?: unknown
    cause?: unknown
    errors?: unknown
  }
  if (typeof code === 'string') {
    if (UNREACHABLE_SOCKET_CODES.has(code) || PASSING_SQLSTATES.has(code)) return true
    if (code.length === 5 && code.startsWith('08')) return true
  }
  if (typeof message === 'string' && LOST_CONNECTION_MESSAGES.some((text) => message.startsWith(text))) {
    return true
  }
  // Node reports a refused connection to a name with several addresses as an AggregateError.
  if (Array.isArray(errors) && errors.some((inner) => isStorageUnreachable(inner, depth + 1))) return true
  return isStorageUnreachable(cause, depth + 1)
}

/**
 * SQLSTATE classes that last until a person acts: 28 (authorization), 3D (no such database),
 * 42 (no such table or column, no permission). Retrying the statement cannot succeed.
 */
const LASTING_SQLSTATE_CLASSES = new Set(['28', '3D', '42'])

/** The SQLSTATE of a refusal that lasts, or undefined. */
function lastingSqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.length === 5 && LASTING_SQLSTATE_CLASSES.has(code.slice(0, 2))
    ? code
    : undefined
}

/**
 * The error a caller should see: StorageUnavailableError (503, retryable) when the database is
 * out of reach, StorageRejectedError (not retryable) when it refuses the statement for a reason
 * that lasts, the original error otherwise. Messages name no host nor SQL, since they reach clients.
 */
export function toStorageError(error: unknown): unknown {
  if (error instanceof StorageUnavailableError || error instanceof StorageRejectedError) return error
  if (isStorageUnreachable(error))
    return new StorageUnavailableError('The database cannot be reached; try again shortly', { cause: error })
  const sqlState = lastingSqlState(error)
  if (sqlState)
    return new StorageRejectedError(
      `The database refused the statement (SQLSTATE ${sqlState}); check its schema and the user's permissions`,
      { cause: error },
    )
  return error
}

/**
 * Whether a plain INSERT failed on rows stored already (23505, unique violation) or on a writer
 * of the same rows at the same time (40P01, deadlock): the statement left nothing behind, and
 * the same rows go in again with `ON CONFLICT DO NOTHING`. Inserting plainly first saves
 * PostgreSQL the speculative insertion ON CONFLICT makes of every row (measured 1.6 to 2.5 µs of
 * its CPU a row) when, as nearly always, no row is there yet.
 */
export function isInsertConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code
  return code === '23505' || code === '40P01'
}
