import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { authHeaders, type RoleProcess, startRole } from '../../harness/index.ts'
import { createMigrator } from '../../src/storage/migrations/index.ts'
import { migrationsFrom } from '../helpers/migration-names.ts'
import { createTestDatabase, KAFKA_BROKERS, requireKafka, uniqueName } from '../helpers/services.ts'

interface Sent {
  readonly sensor_id: string
  readonly timestamp: string
  readonly humidity?: number
}

/** Posts batches of 50 measurements back to back until `running()` is false; returns those answered 202. */
async function loadIngest(url: string, running: () => boolean, version: () => 1 | 2, tag: string) {
  const accepted: Sent[] = []
  let statuses: Record<number, number> = {}
  for (let round = 0; running() && round < 2000; round++) {
    const v = version()
    const batch = Array.from({ length: 50 }, (_, i) => ({
      sensor_id: `${tag}-${i % 10}`,
      temperature: 20 + (i % 7),
      timestamp: new Date(Date.UTC(2026, 0, 1) + round * 50 + i).toISOString(),
      ...(v === 2 ? { schema_version: 2, humidity: 40 + (i % 20) } : {}),
    }))
    const response = await fetch(`${url}/measurements`, {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    })
    await response.arrayBuffer()
    statuses = { ...statuses, [response.status]: (statuses[response.status] ?? 0) + 1 }
    if (response.status === 202)
      accepted.push(
        ...batch.map(({ sensor_id, timestamp, ...rest }) => ({
          sensor_id,
          timestamp,
          ...('humidity' in rest ? { humidity: rest.humidity } : {}),
        })),
      )
    await sleep(20)
  }
  return { accepted, statuses }
}

/**
 * Issue 13: "Migrations that add columns run while the roles run". The database is at 0006 (no
 * `humidity` column); ingest and the saver run as processes with `--no-migrate-on-start` under a
 * steady v1 load; `flowline migrate`'s code path (0007 adds the nullable column, a catalog-only
 * change, and 0008) runs in the middle of it; then producers switch to v2. Every acknowledged
 * measurement is stored once, and the v2 rows carry their humidity in the new column.
 */
test('a migration adding a column runs while ingest and the saver store a load: nothing lost, the column used after', async (t) => {
  await requireKafka()
  const { url, drop } = await createTestDatabase()
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }),
  })
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const processes: RoleProcess[] = []
  // In this order: the roles and connections go before the database is dropped under them.
  t.after(async () => {
    await Promise.all(processes.map((p) => p.close()))
    await client.end()
    await db.destroy()
    await drop()
  })
  const stepped = await createMigrator(db).migrateTo('0006-dead-letters')
  assert.equal(stepped.error, undefined)

  const flags = {
    kafka: KAFKA_BROKERS.join(','),
    topic: uniqueName('temperatures'),
    'errors-topic': uniqueName('errors'),
    'database-url': url,
    'log-level': 'warn',
  }
  // Every role with a database migrates at start unless told not to (ingest takes it from the environment).
  const env = { MIGRATE_ON_START: 'false' }
  // Ingest runs without auth: this build's credential lookup reads columns of migration 0014, and
  // what is exercised here is the data path across 0007 (humidity) and 0011 (log positions).
  const ingest = await startRole('ingest', { flags: { ...flags, auth: 'off' }, env })
  processes.push(ingest)
  const saver = await startRole('saver', {
    flags: {
      ...flags,
      group: uniqueName('saver'),
      streams: 'measurements',
      'batch-wait': 20,
      'inline-aggregator': false,
    },
    env,
  })
  processes.push(saver)

  const columns = await client.query(
    "SELECT 1 FROM information_schema.columns WHERE table_name = 'measurements' AND column_name = 'humidity'",
  )
  assert.equal(columns.rowCount, 0, 'the roles started without migrating: no humidity column yet')
  let running = true
  let version: 1 | 2 = 1
  const load = loadIngest(
    ingest.url,
    () => running,
    () => version,
    uniqueName('live'),
  )
  await sleep(3000)
  const started = performance.now()
  const applied = (await createMigrator(db).migrateToLatest()).results?.map((r) => r.migrationName)
  const migrationMs = Math.round(performance.now() - started)
  assert.deepEqual(applied, migrationsFrom('0007-inventory-streams'))
  await sleep(2000)
  version = 2
  await sleep(3000)
  running = false
  const { accepted, statuses } = await load
  t.diagnostic(`migration took ${migrationMs} ms under load; ingest answers ${JSON.stringify(statuses)}`)
  assert.ok(accepted.some((m) => m.humidity === undefined) && accepted.some((m) => m.humidity !== undefined))

  const deadline = Date.now() + 60_000
  let stored = 0
  while (Date.now() < deadline && stored < accepted.length) {
    stored = Number((await client.query('SELECT count(*) AS n FROM measurements')).rows[0].n)
    await sleep(250)
  }
  await sleep(500) // a late duplicate would show up here
  const { rows } = await client.query<{ key: string; humidity: number | null }>(
    `SELECT sensor_id || '|' || to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS key, humidity
     FROM measurements`,
  )
  const byKey = new Map(rows.map((row) => [row.key, row.humidity]))
  assert.equal(rows.length, byKey.size, 'no measurement stored twice')
  const lost = accepted.filter((m) => !byKey.has(`${m.sensor_id}|${m.timestamp}`))
  assert.equal(lost.length, 0, `${lost.length} of ${accepted.length} acknowledged measurements lost`)
  assert.equal(rows.length, accepted.length, 'nothing stored that was not acknowledged')
  const wrong = accepted.filter(
    (m) => (byKey.get(`${m.sensor_id}|${m.timestamp}`) ?? undefined) !== m.humidity,
  )
  assert.equal(wrong.length, 0, 'v2 rows carry their humidity in the new column, v1 rows none')
})
