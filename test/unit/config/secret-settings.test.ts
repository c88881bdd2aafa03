import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { ConfigError, loadConfig } from '../../../src/config/config.ts'
import { SETTINGS } from '../../../src/config/settings.ts'

describe('secret settings', () => {
  it('reads every secret from the file named by <VARIABLE>_FILE, without the final newline', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'flowline-secrets-'))
    t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 10 }))
    const values: Record<string, string> = {
      DATABASE_URL: 'postgres://app:s3cret@db.internal:5432/flowline?sslmode=verify-full',
      DATABASE_READ_URL: 'postgres://app:s3cret@replica.internal:5432/flowline?sslmode=require',
      KAFKA_SASL_PASSWORD: 'pa ss\nword',
      FLOWLINE_SESSION_SECRET: 's'.repeat(40),
      FLOWLINE_ADMIN_PASSWORD: 'a long admin password',
      FLOWLINE_BOOTSTRAP_API_KEY: `fla_${'a'.repeat(12)}_${'B'.repeat(43)}`,
      FLOWLINE_BOOTSTRAP_DEVICE_TOKEN: `flt_${'c'.repeat(12)}_${'D'.repeat(43)}`,
      FLOWLINE_DEVICE_TOKEN: 'flt_device',
      FLOWLINE_METRICS_TOKEN: 'metrics-token',
      FLOWLINE_API_TOKEN: 'flt_example-token',
    }
    const secrets = SETTINGS.filter((setting) => setting.secret).map((setting) => setting.env)
    assert.deepEqual(secrets.sort(), Object.keys(values).sort(), 'the secret settings this test covers')
    const env: Record<string, string> = {
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'flowline',
    }
    for (const [variable, value] of Object.entries(values)) {
      const file = join(dir, variable)
      await writeFile(file, `${value}\n`)
      env[`${variable}_FILE`] = file
    }
    const config = loadConfig({}, env)
    assert.equal(config.apiToken, values.FLOWLINE_API_TOKEN)
    assert.equal(config.databaseUrl, values.DATABASE_URL)
    assert.equal(config.databaseReadUrl, values.DATABASE_READ_URL)
    assert.equal(config.kafkaSaslPassword, 'pa ss\nword')
    assert.equal(config.kafkaSaslMechanism, 'scram-sha-512')
    assert.equal(config.sessionSecret, values.FLOWLINE_SESSION_SECRET)
    assert.equal(config.adminPassword, values.FLOWLINE_ADMIN_PASSWORD)
    assert.equal(config.bootstrapApiKey, values.FLOWLINE_BOOTSTRAP_API_KEY)
    assert.equal(config.deviceToken, values.FLOWLINE_DEVICE_TOKEN)
    assert.equal(config.bootstrapDeviceToken, values.FLOWLINE_BOOTSTRAP_DEVICE_TOKEN)
    assert.equal(config.metricsToken, values.FLOWLINE_METRICS_TOKEN)
  })

  it('refuses a variable given both directly and as a file, and a file it cannot read, naming them', () => {
    assert.throws(() => loadConfig({}, { DATABASE_URL: 'postgres://a/b', DATABASE_URL_FILE: '/nowhere' }), {
      message: 'Both DATABASE_URL and DATABASE_URL_FILE are set: set only one',
    })
    assert.throws(
      () => loadConfig({}, { KAFKA_SASL_PASSWORD_FILE: '/nowhere/password' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message ===
          'Bad setting KAFKA_SASL_PASSWORD_FILE = "/nowhere/password": cannot read the file (ENOENT)',
    )
  })

  it('never shows a secret value in an error', () => {
    assert.throws(
      () => loadConfig({}, { DATABASE_URL: 'mysql://root:hunter2@db/x' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        !error.message.includes('hunter2') &&
        error.message ===
          'Bad setting --database-url (env DATABASE_URL) = (secret, not shown): expected a postgres:// URL',
    )
  })

  it('requires a user name and a password with a SASL mechanism, and reads the reader URL from DATABASE_URL by default', () => {
    assert.throws(() => loadConfig({}, { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'u' }), {
      message: /KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD \(or KAFKA_SASL_PASSWORD_FILE\)/,
    })
    assert.throws(() => loadConfig({}, { KAFKA_SASL_MECHANISM: 'gssapi' }), {
      message: /expected one of none, scram-sha-256, scram-sha-512, plain/,
    })
    const config = loadConfig({}, { DATABASE_URL: 'postgres://x@h/db', KAFKA_TLS: 'true' })
    assert.equal(config.databaseReadUrl, 'postgres://x@h/db')
    assert.equal(config.kafkaTls, true)
    assert.equal(config.migrateOnStart, true)
  })
})
