import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { authHeaders, freePort, type RoleProcess, startRole } from '../../harness/index.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { createBroker } from '../../src/runtime/composition.ts'
import { NODE_FLAGS } from '../../src/runtime/node-flags.ts'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { readRecords, testConfig } from '../helpers/pipeline.ts'
import { type SaslKafka, startSaslKafka } from '../helpers/sasl-kafka.ts'
import { createTestDatabase, uniqueName } from '../helpers/services.ts'

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname
const USER = { name: 'flowline', password: 'correct horse battery staple' }

describe('Kafka with SASL/SCRAM and TLS (a private broker)', { timeout: 300_000 }, () => {
  let kafka: SaslKafka
  let secrets: string
  before(async () => {
    kafka = await startSaslKafka([USER])
    secrets = await mkdtemp(join(tmpdir(), 'flowline-sasl-secrets-'))
    await writeFile(join(secrets, 'kafka-password'), `${USER.password}\n`)
    await writeFile(join(secrets, 'wrong-password'), 'not the password\n')
  })
  after(async () => {
    await kafka?.stop()
    await rm(secrets, { recursive: true, force: true, maxRetries: 10 })
  })

  for (const mechanism of ['scram-sha-256', 'scram-sha-512'] as const) {
    it(`publishes and consumes with ${mechanism} over SASL_PLAINTEXT and over SASL_SSL with the CA file`, async (t) => {
      for (const tls of [false, true]) {
        const config = testConfig({
          kafka: tls ? kafka.saslSsl : kafka.saslPlaintext,
          kafkaSaslMechanism: mechanism,
          kafkaSaslUsername: USER.name,
          kafkaSaslPassword: USER.password,
          kafkaTls: tls,
          kafkaTlsCaFile: tls ? kafka.caFile : '',
        })
        const broker = await createBroker(config, uniqueName('sasl'))
        t.after(() => broker.close())
        const topic = uniqueName('sasl')
        await broker.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }])
        await broker.publish([{ topic, key: 's1', value: `{"tls":${tls}}` }])
        const [record] = await readRecords(broker, topic, 1)
        assert.equal(record?.value.toString(), `{"tls":${tls}}`)
      }
    })
  }

  it('runs ingest and saver as processes with SCRAM credentials from KAFKA_SASL_PASSWORD_FILE; a saver with a wrong one exits with a clear error', async (t) => {
    const { url, drop } = await createTestDatabase()
    t.after(drop)
    const topic = uniqueName('sasl-temperatures')
    const common = {
      kafka: kafka.saslPlaintext,
      topic,
      'errors-topic': uniqueName('sasl-errors'),
      'log-level': 'warn',
    }
    const env = {
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: USER.name,
      KAFKA_SASL_PASSWORD_FILE: join(secrets, 'kafka-password'),
    }
    const roles: RoleProcess[] = []
    t.after(() => Promise.all(roles.map((role) => role.stop())))
    const ingest = await startRole('ingest', { flags: { ...common, 'database-url': url }, env })
    roles.push(ingest)
    roles.push(
      await startRole('saver', {
        flags: { ...common, 'database-url': url, group: uniqueName('g'), 'inline-aggregator': false },
        env,
      }),
    )
    const response = await fetch(`${ingest.url}/measurements`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders() },
      body: JSON.stringify({ sensor_id: 'sasl-1', temperature: 21.5, timestamp: new Date().toISOString() }),
    })
    assert.equal(response.status, 202, await response.text())
    const storage = new PostgresStorage({ connectionString: url })
    t.after(() => storage.close())
    const repository = new MeasurementsRepository(storage.db)
    const deadline = Date.now() + 30_000
    while ((await repository.count()) < 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200))
    assert.equal(await repository.count(), 1, 'the saver stored the measurement it read through SASL')

    const refused = await promisify(execFile)(
      process.execPath,
      [
        ...NODE_FLAGS,
        MAIN,
        'saver',
        '--kafka',
        kafka.saslPlaintext,
        '--database-url',
        url,
        '--saver-port',
        String(await freePort()),
      ],
      {
        env: { ...process.env, ...env, KAFKA_SASL_PASSWORD_FILE: join(secrets, 'wrong-password') },
        timeout: 60_000,
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    )
    assert.equal(refused.code, 1)
    assert.match(
      refused.stderr,
      /could not start: Kafka refused the credentials \(SASL SCRAM-SHA-512, user "flowline"\)/,
    )
    assert.doesNotMatch(refused.stderr, /not the password/, 'the password is never printed')
  })

  it('refuses a wrong password with a clear error', async (t) => {
    const broker = new KafkaBroker({
      bootstrapBrokers: [kafka.saslPlaintext],
      clientId: uniqueName('sasl'),
      requestTimeoutMs: 5000,
      sasl: { mechanism: 'SCRAM-SHA-512', username: USER.name, password: 'wrong' },
    })
    t.after(() => broker.close())
    assert.equal(await broker.isReachable(), false)
    await assert.rejects(
      broker.ensureTopics([{ name: uniqueName('sasl'), partitions: 1, replicationFactor: 1 }]),
      {
        name: 'FlowlineError',
        code: 'BROKER_AUTHENTICATION',
        message:
          'Kafka refused the credentials (SASL SCRAM-SHA-512, user "flowline"): check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or _FILE)',
      },
    )
  })

  it('refuses TLS without the CA that signed the broker, naming the settings', async (t) => {
    const broker = new KafkaBroker({
      bootstrapBrokers: [kafka.saslSsl],
      clientId: uniqueName('sasl'),
      requestTimeoutMs: 5000,
      sasl: { mechanism: 'SCRAM-SHA-256', username: USER.name, password: USER.password },
      tls: {},
    })
    t.after(() => broker.close())
    await assert.rejects(
      broker.ensureTopics([{ name: uniqueName('sasl'), partitions: 1, replicationFactor: 1 }]),
      {
        code: 'BROKER_AUTHENTICATION',
        message: /^TLS to Kafka failed \(.*\): check KAFKA_TLS and KAFKA_TLS_CA_FILE$/,
      },
    )
  })
})
