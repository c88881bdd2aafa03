import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import type { Storage } from '../../src/storage/storage.ts'
import { authedInject } from '../helpers/credentials.ts'
import { type EtlHarness, etlApp, finished } from '../helpers/etl.ts'
import type { EtlSetup } from './etl-contract.ts'
import { closeEtl, openEtlWithWorker } from './etl-setups.ts'

/** Four sensors: two on site north (one with a place and tags), one south, one without a site. */
async function seedRegistry(storage: Storage): Promise<void> {
  await sql`
    INSERT INTO sensor_registry (sensor_id, site, latitude, longitude, tags) VALUES
      ('r1', 'north', 48.85, 2.35, '{roof,east}'),
      ('r2', 'north', NULL, NULL, '{}'),
      ('r3', 'south', NULL, NULL, '{cellar}'),
      ('r4', NULL, NULL, NULL, '{}')`.execute(storage.db)
}

/** Readings every 13 minutes over three UTC days (2026-10-01..03), values spread per sensor and day. */
async function seedReadings(storage: Storage): Promise<void> {
  await sql`
    INSERT INTO measurements (sensor_id, temperature, ts)
    SELECT s.id, ((i * 7) % 23) + s.n * 1.5 + (i / 111) * 0.25,
           '2026-10-01T00:00:00Z'::timestamptz + i * interval '13 minutes'
    FROM (VALUES ('r1', 1), ('r2', 2), ('r3', 3), ('r4', 4)) AS s (id, n),
         generate_series(0, 332) AS i`.execute(storage.db)
}

const ROLLUP_COLUMNS = sql`scope, key, day::text AS day, count::int AS count, min, max,
  round(mean::numeric, 9)::float8 AS mean, p50, p95`

/** The same statistics computed straight from measurements, grouped by the UTC date of each reading. */
async function expectedRollups(storage: Storage, from: string, to: string) {
  const { rows } = await sql<Record<string, unknown>>`
    WITH readings AS (
      SELECT m.sensor_id, m.temperature, r.site, (m.ts AT TIME ZONE 'UTC')::date AS day
      FROM measurements m LEFT JOIN sensor_registry r USING (sensor_id)
    ), stats AS (
      SELECT 'sensor' AS scope, sensor_id AS key, day, count(*) AS count, min(temperature) AS min,
             max(temperature) AS max, avg(temperature) AS mean,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY temperature) AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY temperature) AS p95
      FROM readings GROUP BY sensor_id, day
      UNION ALL
      SELECT 'site', site, day, count(*), min(temperature), max(temperature), avg(temperature),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY temperature),
             percentile_cont(0.95) WITHIN GROUP (ORDER BY temperature)
      FROM readings WHERE site IS NOT NULL GROUP BY site, day
    )
    SELECT ${ROLLUP_COLUMNS} FROM stats
    WHERE day BETWEEN ${from}::date AND ${to}::date ORDER BY scope, key, day`.execute(storage.db)
  return rows
}

async function storedRollups(storage: Storage, withComputedAt = false) {
  const { rows } = await sql<Record<string, unknown>>`
    SELECT ${ROLLUP_COLUMNS}${withComputedAt ? sql`, computed_at` : sql``}
    FROM daily_rollups ORDER BY scope, key, day`.execute(storage.db)
  return rows
}

/** The enrich and daily-rollups pipelines, and bulk retry, the same on every storage adapter. */
export function runEtlPipelinesContract(name: string, open: () => Promise<EtlSetup>): void {
  describe(`ETL pipelines contract: ${name}`, { timeout: 600_000 }, () => {
    let setup: EtlSetup
    let etl: EtlHarness
    before(async () => {
      ;({ setup, etl } = await openEtlWithWorker(open))
      await seedRegistry(setup.storage)
      await seedReadings(setup.storage)
    })
    after(() => closeEtl(setup, etl))

    const runToEnd = async (pipeline: string, params: Record<string, unknown> = {}) => {
      const run = await etl.service.trigger(pipeline, params, 'api')
      const done = await etl.waitFor(run.id, finished)
      return done
    }
    const metadata = async () =>
      (
        await sql<{ sensor_id: string; site: string | null; location: string | null; tags: string[] }>`
          SELECT sensor_id, site, location, tags, refreshed_at::text AS refreshed_at
          FROM sensor_metadata ORDER BY sensor_id`.execute(setup.storage.db)
      ).rows

    it('enrich: copies site, location and tags for the dashboards, and a re-run changes nothing', async () => {
      const first = await runToEnd('enrich')
      assert.equal(first.status, 'succeeded', first.error ?? '')
      assert.deepEqual(first.counts, { read: 4, valid: 4, rejected: 0, loaded: 4, duplicates: 0 })
      const rows = await metadata()
      assert.deepEqual(
        rows.map(({ sensor_id, site, location, tags }) => ({ sensor_id, site, location, tags })),
        [
          { sensor_id: 'r1', site: 'north', location: '48.85,2.35', tags: ['roof', 'east'] },
          { sensor_id: 'r2', site: 'north', location: null, tags: [] },
          { sensor_id: 'r3', site: 'south', location: null, tags: ['cellar'] },
          { sensor_id: 'r4', site: null, location: null, tags: [] },
        ],
      )
      const { rows: enriched } = await sql<{ site: string | null; n: number }>`
        SELECT site, count(*)::int AS n FROM measurements_enriched
        WHERE sensor_id IN ('r1', 'r2', 'r3', 'r4') GROUP BY site ORDER BY site NULLS LAST`.execute(
        setup.storage.db,
      )
      assert.deepEqual(enriched, [
        { site: 'north', n: 666 },
        { site: 'south', n: 333 },
        { site: null, n: 333 },
      ])

      const again = await runToEnd('enrich')
      assert.deepEqual(again.counts, { read: 4, valid: 4, rejected: 0, loaded: 0, duplicates: 4 })
      assert.deepEqual(await metadata(), rows, 'identical rows, refreshed_at included')

      await sql`UPDATE sensor_registry SET site = 'south' WHERE sensor_id = 'r2'`.execute(setup.storage.db)
      await sql`INSERT INTO sensor_registry (sensor_id, site) VALUES ('r9', 'east')`.execute(setup.storage.db)
      const changed = await runToEnd('enrich')
      assert.equal(changed.counts.loaded, 2)
      await sql`DELETE FROM sensor_registry WHERE sensor_id = 'r9'`.execute(setup.storage.db)
      await sql`UPDATE sensor_registry SET site = 'north' WHERE sensor_id = 'r2'`.execute(setup.storage.db)
      await runToEnd('enrich')
      const after = await metadata()
      assert.deepEqual(
        after.map((row) => [row.sensor_id, row.site]),
        rows.map((row) => [row.sensor_id, row.site]),
        'a sensor gone from the registry loses its metadata; a change is copied',
      )
    })

    it('daily-rollups: a backfill matches a direct SQL computation, shows its progress in days, and a re-run gives identical rows', async () => {
      const app = await etlApp(setup.storage, etl.service)
      try {
        const inject = authedInject(app)
        const response = await inject({
          method: 'POST',
          url: '/etl/runs',
          payload: { pipeline: 'daily-rollups', params: { from: '2026-10-01', to: '2026-10-03' } },
        })
        assert.equal(response.statusCode, 201, response.body)
        const id = response.json().id as string
        const done = await etl.waitFor(id, finished)
        assert.equal(done.status, 'succeeded', done.error ?? '')
        const shown = (await inject(`/etl/runs/${id}`)).json()
        assert.equal(shown.progress.done, 3)
        assert.equal(shown.progress.total, 3)
        assert.equal(shown.progress.unit, 'days')
        // 4 sensors and 2 sites on each of 3 days.
        assert.deepEqual(shown.counts, { read: 1332, valid: 18, rejected: 0, loaded: 18, duplicates: 0 })
      } finally {
        await app.close()
      }
      const expected = await expectedRollups(setup.storage, '2026-10-01', '2026-10-03')
      assert.equal(expected.length, 18)
      assert.deepEqual(await storedRollups(setup.storage), expected)

      const before = await storedRollups(setup.storage, true)
      const again = await runToEnd('daily-rollups', { from: '2026-10-01', to: '2026-10-03' })
      assert.deepEqual(again.counts, { read: 1332, valid: 18, rejected: 0, loaded: 0, duplicates: 18 })
      assert.deepEqual(
        await storedRollups(setup.storage, true),
        before,
        'identical rows, computed_at included',
      )

      // History changes on one day: only that day's rollups move; a sensor with no reading left loses its row.
      await sql`DELETE FROM measurements WHERE sensor_id = 'r3' AND ts >= '2026-10-02T00:00:00Z' AND ts < '2026-10-03T00:00:00Z'`.execute(
        setup.storage.db,
      )
      await sql`INSERT INTO measurements (sensor_id, temperature, ts) VALUES ('r1', 99.5, '2026-10-02T23:59:59.999Z')`.execute(
        setup.storage.db,
      )
      const backfill = await runToEnd('daily-rollups', { from: '2026-10-02', to: '2026-10-02' })
      assert.equal(backfill.status, 'succeeded', backfill.error ?? '')
      assert.equal(backfill.counts.loaded, 2, 'r1 and north changed; r3 and south are gone')
      assert.deepEqual(
        await storedRollups(setup.storage),
        await expectedRollups(setup.storage, '2026-10-01', '2026-10-03'),
      )
      const keysOfDay2 = (await storedRollups(setup.storage))
        .filter((row) => row.day === '2026-10-02')
        .map((row) => `${row.scope}:${row.key}`)
      assert.deepEqual(keysOfDay2, ['sensor:r1', 'sensor:r2', 'sensor:r4', 'site:north'])
    })

    it('daily-rollups: refuses a day that does not exist, without retrying', async () => {
      const run = await runToEnd('daily-rollups', { from: '2026-02-30' })
      assert.equal(run.status, 'failed')
      assert.equal(run.attempt, 1)
      assert.match(run.error ?? '', /from: "2026-02-30" is not a calendar day/)
      await assert.rejects(
        etl.service.trigger('daily-rollups', { from: 'yesterday' }, 'api'),
        /from: a UTC day/,
      )
    })

    it('retries failed runs in bulk, each once, linked to the run it retries', async () => {
      const failed = await Promise.all(
        ['late-1.csv', 'late-2.csv'].map((source) => runToEnd('import-measurements', { source })),
      )
      for (const run of failed) assert.equal(run.status, 'failed')
      for (const source of ['late-1.csv', 'late-2.csv'])
        await etl.writeImport(source, `sensor_id,temperature,timestamp\n${source},20,2026-10-05T00:00:00Z\n`)
      const retried = await etl.service.retryFailed({ pipeline: 'import-measurements', limit: 100 }, 'retry')
      assert.deepEqual(retried.map((run) => run.retry_of).sort(), failed.map((run) => run.id).sort())
      const done = await Promise.all(retried.map((run) => etl.waitFor(run.id, finished)))
      for (const run of done) assert.equal(run.status, 'succeeded', run.error ?? '')
      assert.equal(
        done.reduce((sum, run) => sum + run.counts.loaded, 0),
        2,
      )
      const twice = await etl.service.retryFailed({ pipeline: 'import-measurements', limit: 100 }, 'retry')
      assert.deepEqual(twice, [], 'a run retried already is not retried again')
    })
  })
}
