/**
 * Every error code Flowline answers with or acts on: the HTTP status it maps to where it reaches
 * a client, and whether trying the same thing again can succeed. Loops retry only what is
 * retryable; clients get `Retry-After` on the same codes.
 */
export const ERROR_CODES = {
  // The request itself is wrong: sending it again cannot help.
  VALIDATION_FAILED: { status: 400, retryable: false },
  INVALID_JSON: { status: 400, retryable: false },
  INVALID_ENCODING: { status: 400, retryable: false },
  INVALID_REQUEST: { status: 400, retryable: false },
  INVALID_RANGE: { status: 400, retryable: false },
  INVALID_CURSOR: { status: 400, retryable: false },
  EMPTY_BODY: { status: 400, retryable: false },
  BAD_REQUEST: { status: 400, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  // Authentication and authorization: no valid credential (401), or not allowed (403).
  UNAUTHENTICATED: { status: 401, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  OUT_OF_SCOPE: { status: 403, retryable: false },
  TOO_MANY_ATTEMPTS: { status: 429, retryable: false },
  // The registry: a version that moved on, a sensor that exists or may not send.
  CONFLICT: { status: 409, retryable: false },
  // Deleting, demoting or disabling the only enabled admin would lock everyone out.
  LAST_ADMIN: { status: 409, retryable: false },
  PRECONDITION_FAILED: { status: 412, retryable: false },
  UNKNOWN_SENSOR: { status: 422, retryable: false },
  SENSOR_DECOMMISSIONED: { status: 422, retryable: false },
  PRECONDITION_REQUIRED: { status: 428, retryable: false },
  BODY_TOO_LARGE: { status: 413, retryable: false },
  TOO_MANY_ITEMS: { status: 413, retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false },
  // An ETL source that cannot be read as asked (missing file, no such column, HTTP 404).
  SOURCE_INVALID: { status: 400, retryable: false },
  // A passing state of a dependency: the same request succeeds once it is over.
  OVERLOADED: { status: 429, retryable: true },
  BROKER_UNAVAILABLE: { status: 503, retryable: true },
  STORAGE_UNAVAILABLE: { status: 503, retryable: true },
  // An ETL source that failed in a way that may pass (HTTP 5xx, connection reset).
  SOURCE_UNAVAILABLE: { status: 503, retryable: true },
  // The admin role forwards the console's ETL calls to a worker that does not answer.
  ETL_UNAVAILABLE: { status: 503, retryable: true },
  // Needs a person: a role that meets one of these stops with its message.
  STORAGE_REJECTED: { status: 500, retryable: false },
  BROKER_AUTHENTICATION: { status: 503, retryable: false },
  LOG_LOCKED: { status: 503, retryable: false },
  UNKNOWN_TOPIC: { status: 500, retryable: false },
  CORRUPT_LOG: { status: 500, retryable: false },
  INTERNAL: { status: 500, retryable: false },
} as const satisfies Record<string, { readonly status: number; readonly retryable: boolean }>

export type ErrorCode = keyof typeof ERROR_CODES

/** An error with a code of ERROR_CODES; its status and retryability come from the table. */
export class FlowlineError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly retryable: boolean
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'FlowlineError'
    this.code = code
    this.statusCode = ERROR_CODES[code].status
    this.retryable = ERROR_CODES[code].retryable
  }
}

/** The broker did not acknowledge in time; the records may or may not be stored. */
export class BrokerUnavailableError extends FlowlineError {
  static readonly code = 'BROKER_UNAVAILABLE'
  constructor(message: string, options?: ErrorOptions) {
    super(BrokerUnavailableError.code, message, options)
  }
}

/** Too many records already wait for the broker; nothing of this request was sent. */
export class OverloadedError extends FlowlineError {
  static readonly code = 'OVERLOADED'
  constructor(message: string) {
    super(OverloadedError.code, message)
  }
}

/** The database could not be reached or refused a transaction for a passing reason. */
export class StorageUnavailableError extends FlowlineError {
  static readonly code = 'STORAGE_UNAVAILABLE'
  constructor(message: string, options?: ErrorOptions) {
    super(StorageUnavailableError.code, message, options)
  }
}

/** The database refuses the statement for a reason that lasts (missing table, no permission). */
export class StorageRejectedError extends FlowlineError {
  static readonly code = 'STORAGE_REJECTED'
  constructor(message: string, options?: ErrorOptions) {
    super(StorageRejectedError.code, message, options)
  }
}

/**
 * Whether trying again can succeed. Only an error that says it cannot (a FlowlineError whose code
 * is not retryable) is final: an unclassified error may be a passing one a driver reports oddly.
 */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof FlowlineError) || error.retryable
}

/** Kafka refused this client's credentials or its TLS handshake failed: retrying will not help. */
export class BrokerAuthenticationError extends FlowlineError {
  static readonly code = 'BROKER_AUTHENTICATION'
  constructor(message: string, options?: ErrorOptions) {
    super(BrokerAuthenticationError.code, message, options)
  }
}
