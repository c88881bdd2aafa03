import { type Static, Type } from '@sinclair/typebox'
import { sql } from 'kysely'
import { definePipeline, type RunContext } from '../pipeline.ts'

const Params = Type.Object({})

/**
 * Copies the registry's metadata (site, location, tags) into `sensor_metadata`, which the view
 * `measurements_enriched` joins to history for the dashboards. A copy rather than a join on the
 * registry itself: reports read a table that changes only when this pipeline runs, so a day's
 * report does not shift while someone edits a sensor.
 *
 * Idempotent: a row is written only when its values differ (so `refreshed_at` says when it last
 * changed), and a sensor gone from the registry loses its row. A re-run changes nothing.
 */
export const enrich = definePipeline({
  name: 'enrich',
  description: 'registry metadata (site, location, tags) → sensor_metadata, joined by measurements_enriched',
  params: Params,
  retry: { limit: 3, delaySeconds: 10, backoff: true },
  concurrency: 1,
  progressUnit: 'sensors',
  timeoutSeconds: 3600,
  steps: [{ name: 'refresh-sensor-metadata', run: refresh }],
})

async function refresh(context: RunContext<Static<typeof Params>>): Promise<void> {
  const { counts } = context
  await context.storage.db.transaction().execute(async (trx) => {
    const { rows: total } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM sensor_registry`.execute(trx)
    counts.read = total[0]?.n ?? 0
    counts.valid = counts.read
    const { rows: upserted } = await sql<{ n: number }>`
      WITH upserted AS (
        INSERT INTO sensor_metadata AS m (sensor_id, site, location, tags, refreshed_at)
        SELECT sensor_id, site,
               CASE WHEN latitude IS NOT NULL AND longitude IS NOT NULL
                    THEN latitude::text || ',' || longitude::text END,
               tags, now()
        FROM sensor_registry
        ORDER BY sensor_id
        ON CONFLICT (sensor_id) DO UPDATE SET
          site = excluded.site, location = excluded.location, tags = excluded.tags,
          refreshed_at = excluded.refreshed_at
        WHERE (m.site, m.location, m.tags) IS DISTINCT FROM (excluded.site, excluded.location, excluded.tags)
        RETURNING 1
      )
      SELECT count(*)::int AS n FROM upserted`.execute(trx)
    const { rows: removed } = await sql<{ n: number }>`
      WITH removed AS (
        DELETE FROM sensor_metadata m
        WHERE NOT EXISTS (SELECT 1 FROM sensor_registry r WHERE r.sensor_id = m.sensor_id)
        RETURNING 1
      )
      SELECT count(*)::int AS n FROM removed`.execute(trx)
    counts.loaded = upserted[0]?.n ?? 0
    counts.duplicates = counts.read - counts.loaded
    context.progress(counts.read, counts.read)
    context.log(
      `${counts.read} registry entries: ${counts.loaded} metadata rows written, ${counts.duplicates} unchanged, ${removed[0]?.n ?? 0} removed (gone from the registry)`,
    )
  })
}
