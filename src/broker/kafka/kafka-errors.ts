import { BrokerAuthenticationError } from '../../errors.ts'

interface ErrorTree {
  readonly code?: string
  readonly message?: string
  readonly errors?: readonly ErrorTree[]
  readonly cause?: ErrorTree
}

/** The first error in @platformatic/kafka's nesting (MultipleErrors → NetworkError → ...) that `match` accepts. */
function findError(
  error: ErrorTree | undefined,
  match: (e: ErrorTree) => boolean,
  depth = 0,
): ErrorTree | undefined {
  if (!error || depth > 10) return undefined
  if (match(error)) return error
  for (const inner of [...(error.errors ?? []), error.cause]) {
    const found = findError(inner, match, depth + 1)
    if (found) return found
  }
  return undefined
}

const TLS_FAILURE = /certificate|self[- ]signed|SSL|TLS|ERR_TLS|UNABLE_TO_VERIFY/i

/**
 * Turns the library's "metadata failed 6 times" into what the operator must fix: refused
 * credentials or a failed TLS handshake, naming the settings. Other errors pass unchanged.
 * The user name is shown, the password never.
 */
export function explainKafkaError(
  error: unknown,
  context: { mechanism?: string; username?: string },
): unknown {
  const tree = error as ErrorTree
  if (findError(tree, (e) => e.code === 'PLT_KFK_AUTHENTICATION')) {
    return new BrokerAuthenticationError(
      `Kafka refused the credentials (SASL ${context.mechanism ?? 'none'}, user ${JSON.stringify(context.username ?? '')}): ` +
        'check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or _FILE)',
      { cause: error },
    )
  }
  const tls = findError(tree, (e) => TLS_FAILURE.test(`${e.code ?? ''} ${e.message ?? ''}`))
  if (tls) {
    return new BrokerAuthenticationError(
      `TLS to Kafka failed (${tls.message}): check KAFKA_TLS and KAFKA_TLS_CA_FILE`,
      { cause: error },
    )
  }
  return error
}

/**
 * True when the error says the cluster could not be reached or answered "try again" (refused or
 * timed-out connections, a coordinator moving), so a member that rejoins later will go on. False
 * for refused credentials and failed TLS, which only a person fixes, and for anything else.
 */
export function isBrokerOutage(error: unknown): boolean {
  if (explainKafkaError(error, {}) !== error) return false
  return (
    findError(
      error as ErrorTree,
      (e) =>
        e.code === 'PLT_KFK_NETWORK' ||
        (e.code === 'PLT_KFK_PROTOCOL' && (e as { canRetry?: boolean }).canRetry === true),
    ) !== undefined
  )
}
