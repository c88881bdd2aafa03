import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { NodeProcess } from '../../harness/node-process.ts'
import { checkDatabase } from '../../src/operations/database-checks.ts'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import { createMigrator } from '../../src/storage/migrations/index.ts'
import { PGliteStorage } from '../../src/storage/pglite-storage.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { collationAdvice, textCollation } from '../../src/storage/text-collation.ts'
import { createTestDatabase, KAFKA_BROKERS, uniqueName } from '../helpers/services.ts'

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname

// C.UTF-8 ships with Debian's libc itself (no `locales` package), and glibc compares it through strcoll.
const NOT_BYTEWISE = 'C.UTF-8'

test('the test server (initdb --no-locale) and PGlite compare text bytewise: no advice, doctor says ok', async (t) => {
  const { url, drop } = await createTestDatabase()
  t.after(drop)
  const server = new PostgresStorage({ connectionString: url })
  t.after(() => server.close())
  assert.deepEqual(await textCollation(server.db), { name: 'C', provider: 'libc', bytewise: true })
  const checks = await checkDatabase(server, 'postgresql', 1)
  assert.deepEqual(
    checks.find((check) => check.name === 'postgresql collation'),
    { name: 'postgresql collation', status: 'ok', detail: 'C (libc): text compared bytewise' },
  )

  const dir = await mkdtemp(join(tmpdir(), 'flowline-collation-'))
  t.after(() => rm(dir, { recursive: true, force: true, maxRetries: 10 }))
  const embedded = new PGliteStorage({ dataDir: dir, worker: false })
  t.after(() => embedded.close())
  const collation = await textCollation(embedded.db)
  assert.equal(collation.bytewise, true, JSON.stringify(collation))
  assert.equal(collationAdvice(collation), undefined)
})

test(`a database made with LOCALE '${NOT_BYTEWISE}': doctor warns with the cost and the remedy, and a saver logs it at start`, async (t) => {
  const { url, drop } = await createTestDatabase(undefined, { locale: NOT_BYTEWISE })
  t.after(drop)
  const server = new PostgresStorage({ connectionString: url })
  t.after(() => server.close())
  assert.deepEqual(await textCollation(server.db), { name: NOT_BYTEWISE, provider: 'libc', bytewise: false })
  const check = (await checkDatabase(server, 'postgresql', 1)).find((c) => c.name === 'postgresql collation')
  assert.equal(check?.status, 'warn')
  assert.match(check?.detail ?? '', /strcoll \(collation C\.UTF-8, provider libc\)/)
  assert.match(check?.detail ?? '', /LOCALE 'C'/)

  // Migration 0017: the hot key compares bytewise on this database too, and the view over it still reads.
  await server.migrate()
  // The collation of the text keys of each table a saver writes at every batch.
  const keyCollations = async () =>
    (
      await sql<{ key: string; collation: string }>`
        SELECT a.attrelid::regclass::text || '.' || a.attname AS key, c.collname AS collation
          FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
         WHERE a.attname IN ('sensor_id', 'size')
           AND a.attrelid IN ('measurements'::regclass, 'sensors'::regclass,
                              'measurement_windows'::regclass, 'aggregated_minutes'::regclass)
         ORDER BY 1`.execute(server.db)
    ).rows
  const everyKey = (collation: string) =>
    [
      'aggregated_minutes.sensor_id',
      'measurement_windows.sensor_id',
      'measurement_windows.size',
      'measurements.sensor_id',
      'sensors.sensor_id',
    ].map((key) => ({ key, collation }))
  assert.deepEqual(await keyCollations(), everyKey('C'))
  const down = await createMigrator(server.db as never).migrateDown()
  assert.equal(down.error, undefined)
  assert.deepEqual(await keyCollations(), everyKey('default'), 'down gives back the database collation')
  assert.deepEqual(await server.migrate(), ['0017-sensor-id-bytewise'])
  assert.deepEqual(await keyCollations(), everyKey('C'))
  await new MeasurementsRepository(server.db).insertBatch([
    { sensorId: 'sensor-a', temperature: 1, timestampMs: Date.UTC(2026, 0, 1) },
    { sensorId: 'Sensor-b', temperature: 2, timestampMs: Date.UTC(2026, 0, 1) },
  ])
  const { rows: enriched } = await sql<{ sensor_id: string }>`
    SELECT sensor_id FROM measurements_enriched ORDER BY sensor_id`.execute(server.db)
  assert.deepEqual(
    enriched.map((row) => row.sensor_id),
    ['Sensor-b', 'sensor-a'],
  )
  // The summary view (sensors and the readings not folded yet) and the report views read again too.
  assert.deepEqual(
    (await new MeasurementsRepository(server.db).sensors()).map((sensor) => sensor.sensor_id),
    ['Sensor-b', 'sensor-a'],
  )
  await sql`SELECT * FROM report_temperatures_daily`.execute(server.db)

  const saver = new NodeProcess('saver', [
    MAIN,
    'saver',
    '--database-url',
    url,
    '--kafka',
    KAFKA_BROKERS.join(','),
    '--topic',
    uniqueName('collation'),
    '--group',
    uniqueName('collation'),
    '--log-format',
    'json',
  ])
  t.after(() => saver.stop())
  const deadline = Date.now() + 60_000
  while (!saver.output().includes('text is compared through') && saver.running && Date.now() < deadline)
    await sleep(100)
  const line = saver
    .output()
    .split('\n')
    .find((l) => l.includes('text is compared through'))
  assert.ok(line, `no collation warning in the saver's output:\n${saver.output()}`)
  const logged = JSON.parse(line) as { level: number; collation: { name: string; bytewise: boolean } }
  assert.equal(logged.level, 40, 'a warning')
  assert.deepEqual(logged.collation, { name: NOT_BYTEWISE, provider: 'libc', bytewise: false })
})
