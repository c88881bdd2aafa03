import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { Admin } from '@platformatic/kafka'
import { authHeaders, freePort } from '../../harness/index.ts'
import { formatReport, runDoctor } from '../../src/operations/doctor.ts'
import { createStorage } from '../../src/runtime/composition.ts'
import { NODE_FLAGS } from '../../src/runtime/node-flags.ts'
import { startPipeline } from '../../src/runtime/start-roles.ts'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import { pendingMigrations } from '../../src/storage/migrations/index.ts'
import { ALL_MIGRATIONS } from '../helpers/migration-names.ts'
import { createMetrics, kafkaWithTopic, quietLogger, testConfig } from '../helpers/pipeline.ts'
import { createTestDatabase, KAFKA_BROKERS, uniqueName } from '../helpers/services.ts'

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname
const run = promisify(execFile)

/** Runs the real CLI; resolves with its exit code and output whatever the code. */
async function flowline(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...NODE_FLAGS, MAIN, ...args], {
      env: { ...process.env, ...env },
      timeout: 120_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

const openStorage = (databaseUrl: string) =>
  createStorage(testConfig({ databaseUrl }), quietLogger(), createMetrics())

test('flowline migrate applies the migrations and the partitions ahead; doctor then reports a healthy deployment', async (t) => {
  const { url, drop } = await createTestDatabase()
  t.after(drop)
  const { topic } = await kafkaWithTopic(t)
  const errorsTopic = uniqueName('errors')
  const probeTopic = uniqueName('doctor')
  const admin = new Admin({ clientId: uniqueName('ops'), bootstrapBrokers: KAFKA_BROKERS })
  t.after(async () => {
    await admin.deleteTopics({ topics: [topic, errorsTopic, probeTopic] }).catch(() => {})
    await admin.close()
  })
  await admin.createTopics({ topics: [errorsTopic], partitions: 1, replicas: 1 })

  const migrated = await flowline(['migrate', '--database-url', url, '--partition-days-ahead', '3'])
  assert.equal(migrated.code, 0, migrated.stderr)
  assert.match(
    migrated.stdout,
    /applied 0001-measurements, 0002-sensors-fillfactor, 0003-stream-windows, 0004-partition-measurements, 0005-platform, 0006-dead-letters, 0007-inventory-streams, 0008-etl, 0009-alert-acknowledgements, 0010-report-views, 0011-journey-coordinates, 0012-dead-letter-redriven-payload, 0013-aggregated-minutes, 0014-platform-scopes-and-logins, 0015-sensor-summary-deltas, 0016-measurements-time-index-ascending, 0017-sensor-id-bytewise; partitions created: 2,/,
  )
  const again = await flowline(['migrate', '--database-url', url, '--partition-days-ahead', '3'])
  assert.match(again.stdout, /^schema up to date; partitions created: 0,/)

  const config = testConfig({
    databaseUrl: url,
    topic,
    errorsTopic,
    partitionDaysAhead: 3,
    group: uniqueName('group'),
  })
  const report = await runDoctor(config, { openStorage, probeTopic })
  const text = formatReport(report)
  assert.equal(report.exitCode, 0, text)
  const status = Object.fromEntries(report.checks.map((check) => [check.name, check.status]))
  for (const name of [
    'config',
    'postgresql',
    'postgresql clock',
    'migrations',
    'partitions',
    'kafka',
    'kafka clock',
  ]) {
    assert.equal(status[name], 'ok', `${name} in\n${text}`)
  }
  assert.match(
    text,
    new RegExp(`topic ${topic} +4 partitions, RF 1, min.insync.replicas 1, 0 under-replicated`),
  )
  assert.match(text, /kafka clock +[+-]\d+ ms/)
  assert.match(text, /healthy: 0 failed/)
  assert.doesNotMatch(text, /flowline:flowline/, 'no password in the report')
})

test('flowline doctor exits 1 and names each failure: pending migrations, a refusing topic config, Kafka down', async (t) => {
  const { url, drop } = await createTestDatabase()
  t.after(drop)
  const topic = uniqueName('temperatures')
  const probeTopic = uniqueName('doctor')
  const admin = new Admin({ clientId: uniqueName('ops'), bootstrapBrokers: KAFKA_BROKERS })
  t.after(async () => {
    await admin.deleteTopics({ topics: [topic, probeTopic] }).catch(() => {})
    await admin.close()
  })
  // min.insync.replicas 2 on one replica: every acks=all write would be refused.
  await admin.createTopics({
    topics: [topic],
    partitions: 2,
    replicas: 1,
    configs: [{ name: 'min.insync.replicas', value: '2' }],
  })
  const config = testConfig({ databaseUrl: url, topic, errorsTopic: topic })
  const report = await runDoctor(config, { openStorage, probeTopic })
  const byName = new Map(report.checks.map((check) => [check.name, check]))
  assert.equal(report.exitCode, 1)
  assert.equal(byName.get('migrations')?.status, 'fail')
  assert.match(
    byName.get('migrations')?.detail ?? '',
    new RegExp(`${ALL_MIGRATIONS.length} pending .*run \`flowline migrate\``),
  )
  assert.equal(byName.get(`topic ${topic}`)?.status, 'fail')
  assert.match(byName.get(`topic ${topic}`)?.detail ?? '', /min.insync.replicas above RF/)

  const closedPort = await freePort()
  const cli = await flowline([
    'doctor',
    '--database-url',
    url,
    '--kafka',
    `127.0.0.1:${closedPort}`,
    '--topic',
    topic,
  ])
  assert.equal(cli.code, 1, cli.stdout + cli.stderr)
  assert.match(cli.stdout, new RegExp(`FAIL  kafka +unreachable at 127.0.0.1:${closedPort}`))
  assert.match(cli.stdout, /unhealthy: 2 failed/)
})

test('--no-migrate-on-start leaves the schema alone; the roles start once `flowline migrate` ran', async (t) => {
  const { url, drop } = await createTestDatabase()
  t.after(drop)
  const storage = await openStorage(url)
  t.after(() => storage.close())
  const config = testConfig({ databaseUrl: url, migrateOnStart: false, adminPort: await freePort() })
  const admin = await startPipeline(config, ['admin'], 'admin')
  await admin.stop()
  assert.equal(
    (await pendingMigrations(storage.db as never)).length,
    ALL_MIGRATIONS.length,
    'nothing was applied at start',
  )
  await storage.migrate()
  const started = await startPipeline(
    testConfig({ databaseUrl: url, adminPort: await freePort() }),
    ['admin'],
    'admin',
  )
  t.after(() => started.stop())
  const response = await fetch(
    `${started.roles[0]?.urls.admin?.replace(/\/measurements$/, '')}/measurements`,
    {
      headers: authHeaders(),
    },
  )
  assert.equal(response.status, 200)
})

test('--database-read-url: the admin role reads from the read database, the saver writes to --database-url', async (t) => {
  const primary = await createTestDatabase()
  const replica = await createTestDatabase()
  t.after(primary.drop)
  t.after(replica.drop)
  const replicaStorage = await openStorage(replica.url)
  t.after(() => replicaStorage.close())
  await replicaStorage.migrate()
  await new MeasurementsRepository(replicaStorage.db).insertBatch([
    { sensorId: 'only-on-the-replica', temperature: 1, timestampMs: Date.now() },
  ])
  const config = testConfig({
    databaseUrl: primary.url,
    databaseReadUrl: replica.url,
    adminPort: await freePort(),
  })
  const admin = await startPipeline(config, ['admin'], 'admin')
  t.after(() => admin.stop())
  const base = admin.roles[0]?.urls.admin?.replace(/\/measurements$/, '')
  const body = (await (await fetch(`${base}/sensors`, { headers: authHeaders() })).json()) as
    | { sensor_id: string }[]
    | { items: { sensor_id: string }[] }
  const sensors = Array.isArray(body) ? body : body.items
  assert.deepEqual(
    sensors.map((sensor) => sensor.sensor_id),
    ['only-on-the-replica'],
  )
  const primaryStorage = await openStorage(primary.url)
  t.after(() => primaryStorage.close())
  assert.deepEqual(
    await pendingMigrations(primaryStorage.db as never),
    [],
    'the primary was migrated at start',
  )
})

test('flowline migrate and doctor in embedded mode (PGlite)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'flowline-ops-'))
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 10 }))
  const dataDir = join(dir, 'data')
  const before = await flowline(['doctor', '--embedded', '--data-dir', dataDir])
  assert.equal(before.code, 1)
  assert.match(before.stdout, new RegExp(`FAIL {2}migrations +${ALL_MIGRATIONS.length} pending`))
  const migrated = await flowline(['migrate', '--embedded', '--data-dir', dataDir])
  assert.equal(migrated.code, 0, migrated.stderr)
  const after = await flowline(['doctor', '--embedded', '--data-dir', dataDir])
  assert.equal(after.code, 0, after.stdout)
  assert.match(
    after.stdout,
    /OK {4}partitions +\d+ daily partitions; 0 rows in the default partition; today to 7 days ahead ready/,
  )
})
