import { loadConfig } from '../src/config/config.ts'
import { createLogger } from '../src/observability/logger.ts'
import { HARNESS_API_KEY } from './credentials.ts'

/**
 * A validated configuration for roles started in this process (tests, benches), with overrides
 * given as flags, as the CLI would pass them.
 */
export function testConfig(flags: Record<string, unknown> = {}) {
  // The saver consumes only the measurement stream, and runs no window aggregator inside, unless
  // a test asks for more.
  return loadConfig(
    {
      logLevel: 'warn',
      bootstrapApiKey: HARNESS_API_KEY,
      streams: 'measurements',
      inlineAggregator: false,
      ...flags,
    },
    {},
  )
}

export const quietLogger = () => createLogger('silent', 'test')
