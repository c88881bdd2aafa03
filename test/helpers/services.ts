import {
  type CleanupScope,
  requireReachable,
  SHARED_DATABASE_URL,
  SHARED_KAFKA_BROKERS,
  scratchDatabase,
} from '../../harness/index.ts'

export { RUN_ID, uniqueName } from '../../harness/index.ts'

/** The shared services of `npm run services:up`, or the ones KAFKA_BROKERS / DATABASE_URL name. */
export const KAFKA_BROKERS = [...SHARED_KAFKA_BROKERS]
export const DATABASE_URL = SHARED_DATABASE_URL

/** Fails, never skips, when Kafka is down: an integration test that did not run proves nothing. */
export async function requireKafka(): Promise<string[]> {
  await requireReachable('Kafka', KAFKA_BROKERS[0] ?? '')
  return KAFKA_BROKERS
}

/** An empty database on the test server, dropped when `scope` ends (or by `drop()`). */
export async function createTestDatabase(
  scope?: CleanupScope,
  options: { locale?: string } = {},
): Promise<{ url: string; drop: () => Promise<void> }> {
  return scratchDatabase(DATABASE_URL, { scope, ...options })
}
