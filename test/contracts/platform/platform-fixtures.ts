import type { TestContext } from 'node:test'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { type AuthStack, createAuth } from '../../../src/auth/auth-setup.ts'
import { CredentialsRepository } from '../../../src/auth/credentials-repository.ts'
import { hashPassword } from '../../../src/auth/passwords.ts'
import type { Broker } from '../../../src/broker/broker.ts'
import { EmbeddedBroker } from '../../../src/broker/embedded/embedded-broker.ts'
import { RegistryRepository } from '../../../src/registry/registry-repository.ts'
import { SensorGate, type UnknownSensorPolicy } from '../../../src/registry/sensor-gate.ts'
import { createAdminApp } from '../../../src/roles/admin/admin-app.ts'
import { DeadLetterActions } from '../../../src/roles/dead-letters/dead-letter-actions.ts'
import { inventoryIngestRoutes } from '../../../src/roles/ingest/ingest-role.ts'
import { MeasurementsRepository } from '../../../src/storage/measurements-repository.ts'
import type { UserRole } from '../../../src/storage/schema.ts'
import type { Storage } from '../../../src/storage/storage.ts'
import { testAuth } from '../../helpers/credentials.ts'
import { testIngestApp } from '../../helpers/ingest-app.ts'
import { createMetrics, quietLogger, testConfig } from '../../helpers/pipeline.ts'
import { uniqueName } from '../../helpers/services.ts'
import { tempDirectory } from '../../unit/broker/temp-directory.ts'

/** A fresh, empty storage of one adapter, closed when the test ends. */
export type FreshStorage = (t: TestContext) => Promise<Storage>

export const PASSWORD = 'correct horse battery'

export async function adminApp(
  t: TestContext,
  storage: Storage,
  /** With a broker, the dead-letter routes (which redrive through it) are served too. */
  broker?: Broker,
): Promise<{ app: FastifyInstance; auth: AuthStack }> {
  const auth = await testAuth(storage)
  const deadLetterActions = broker
    ? new DeadLetterActions({
        broker,
        storage,
        logger: quietLogger(),
        metrics: createMetrics(),
        errorsTopic: 'errors',
        measurementsTopic: 'temperatures',
        stockTopic: 'stock_movements',
        futureToleranceMs: 60_000,
        ratePerSecond: 100,
      })
    : undefined
  if (deadLetterActions) t.after(() => deadLetterActions.close())
  const app = await createAdminApp({
    deadLetterActions,
    // No ETL worker listens there: the forwarded /etl/* routes answer 503 past the admin's own check.
    etlUrl: 'http://127.0.0.1:9',
    storage,
    repository: new MeasurementsRepository(storage.db),
    logger: quietLogger(),
    metrics: createMetrics(),
    defaultLimit: 10,
    maxLimit: 100,
    auth,
  })
  t.after(() => app.close())
  return { app, auth }
}

/** An embedded log with one topic, for the ingest side (this suite is about the database). */
export async function logWithTopic(t: TestContext): Promise<{ broker: Broker; topic: string }> {
  const broker = await EmbeddedBroker.open({ directory: await tempDirectory(t) })
  t.after(() => broker.close())
  const topic = uniqueName('platform')
  await broker.ensureTopics([{ name: topic, partitions: 2, replicationFactor: 1 }])
  return { broker, topic }
}

export async function ingestApp(
  t: TestContext,
  storage: Storage,
  broker: Broker,
  topic: string,
  policy: UnknownSensorPolicy = 'register',
  cacheTtlMs = 1000,
): Promise<FastifyInstance> {
  const config = testConfig({ authCacheTtl: cacheTtlMs })
  const { app } = await testIngestApp(broker, topic, {
    auth: (await createAuth(config, storage, quietLogger())).guard,
    gate: new SensorGate({ registry: new RegistryRepository(storage.db), policy, cacheTtlMs }),
    streamRoutes: inventoryIngestRoutes(config),
  })
  t.after(() => app.close())
  return app
}

/**
 * scrypt at N = 2^10 instead of 2^15: a hash names its parameters and a login verifies with them, so
 * each of these suites' logins costs about a millisecond instead of a hundred (more on a loaded
 * machine). The real parameters are the unit test's (test/unit/auth/auth-parts.test.ts).
 */
const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 }

export async function createUser(storage: Storage, username: string, role: UserRole): Promise<void> {
  await new CredentialsRepository(storage.db).createUser(
    username,
    role,
    await hashPassword(PASSWORD, CHEAP_SCRYPT),
    'test',
  )
}

/** Logs in and returns the session token. */
export async function login(app: FastifyInstance, username: string, password = PASSWORD): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username, password } })
  if (response.statusCode !== 200)
    throw new Error(`login ${username}: ${response.statusCode} ${response.body}`)
  return response.json().token
}

export const bearer = (token: string): InjectOptions['headers'] => ({ authorization: `Bearer ${token}` })

export function reading(sensorId: string, temperature = 20) {
  return { sensor_id: sensorId, temperature, timestamp: new Date(Date.now() - 1000).toISOString() }
}
