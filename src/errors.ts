/**
 * Errors that reach a client or decide a retry. Each has a stable code, the HTTP status it maps
 * to, and whether trying again can succeed; loops retry only what is retryable.
 */
export class FlowlineError extends Error {
  readonly code: string
  readonly statusCode: number
  readonly retryable: boolean
  constructor(code: string, message: string, statusCode: number, retryable: boolean, options?: ErrorOptions) {
    super(message, options)
    this.name = 'FlowlineError'
    this.code = code
    this.statusCode = statusCode
    this.retryable = retryable
  }
}

/** The broker did not acknowledge in time; the records may or may not be stored. */
export class BrokerUnavailableError extends FlowlineError {
  static readonly code = 'BROKER_UNAVAILABLE'
  constructor(message: string, options?: ErrorOptions) {
    super(BrokerUnavailableError.code, message, 503, true, options)
  }
}

/** Too many records already wait for the broker; nothing of this request was sent. */
export class OverloadedError extends FlowlineError {
  static readonly code = 'OVERLOADED'
  constructor(message: string) {
    super(OverloadedError.code, message, 429, true)
  }
}

/** The database could not be reached or refused a transaction for a passing reason. */
export class StorageUnavailableError extends FlowlineError {
  static readonly code = 'STORAGE_UNAVAILABLE'
  constructor(message: string, options?: ErrorOptions) {
    super(StorageUnavailableError.code, message, 503, true, options)
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof FlowlineError && error.retryable
}

/** Kafka refused this client's credentials or its TLS handshake failed: retrying will not help. */
export class BrokerAuthenticationError extends FlowlineError {
  static readonly code = 'BROKER_AUTHENTICATION'
  constructor(message: string, options?: ErrorOptions) {
    super(BrokerAuthenticationError.code, message, 503, false, options)
  }
}
