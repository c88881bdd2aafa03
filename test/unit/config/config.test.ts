import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, loadConfig } from '../../../src/config/config.ts'

describe('loadConfig', () => {
  it('starts from the defaults and freezes the result', () => {
    const config = loadConfig({}, {})
    assert.equal(config.topic, 'temperatures')
    assert.deepEqual(config.kafkaBrokers, ['127.0.0.1:9092'])
    assert.equal(config.ingestPort, 8080)
    assert.equal(config.embedded, false)
    assert.ok(Object.isFrozen(config))
  })

  it('takes the environment over defaults and flags over the environment', () => {
    const env = {
      INGEST_PORT: '9000',
      KAFKA_BROKERS: 'a:1, b:2',
      FLOWLINE_EMBEDDED: 'true',
      SIMULATOR_RATE: '2.5',
    }
    const fromEnv = loadConfig({}, env)
    assert.equal(fromEnv.ingestPort, 9000)
    assert.deepEqual(fromEnv.kafkaBrokers, ['a:1', 'b:2'])
    assert.equal(fromEnv.embedded, true)
    assert.equal(fromEnv.rate, 2.5)
    const fromFlags = loadConfig({ ingestPort: '9100', kafka: 'c:3', embedded: false }, env)
    assert.equal(fromFlags.ingestPort, 9100)
    assert.deepEqual(fromFlags.kafkaBrokers, ['c:3'])
    assert.equal(fromFlags.embedded, false)
  })

  it('refuses a bad setting with its flag, its variable, the value and what is accepted', () => {
    assert.throws(
      () => loadConfig({}, { INGEST_PORT: '70000' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message ===
          'Bad setting --ingest-port (env INGEST_PORT) = "70000": expected a TCP port from 0 to 65535',
    )
    assert.throws(
      () => loadConfig({ kafka: 'no-port' }, {}),
      /--kafka \(env KAFKA_BROKERS\) = \["no-port"\]: expected a comma-separated list of host:port/,
    )
    assert.throws(() => loadConfig({}, { FLOWLINE_EMBEDDED: 'maybe' }), /--embedded .* = "maybe"/)
    assert.throws(() => loadConfig({}, { LOG_LEVEL: 'loud' }), /expected one of fatal, error/)
    assert.throws(() => loadConfig({}, { DATABASE_URL: 'mysql://x' }), /expected a postgres:\/\/ URL/)
  })

  it('checks settings against each other', () => {
    assert.throws(
      () => loadConfig({ defaultLimit: '50', maxLimit: '10' }, {}, 'admin'),
      /--default-limit .* at most --max-limit/,
    )
  })
})
