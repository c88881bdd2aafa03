import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { sql } from 'kysely'
import { upsertSensorsFrom } from '../../../storage/sensor-summary.ts'
import type { Storage } from '../../../storage/storage.ts'
import { isInsertConflict } from '../../../storage/storage-errors.ts'

/** Rows parsed between two turns of the event loop (see `yieldBetweenChunks`). */
export const ROWS_PER_YIELD = 5000

/** Load slots a run may use at once (see ChunkLoader): two connections on a server. */
export const MAX_LOAD_SLOTS = 2

const stagingPrefix = (runId: string) => `etl_stage_${runId.replaceAll('-', '')}`

/** The staging table of a run's load slot: unlogged (it is rebuilt on a retry anyway), emptied after each chunk. */
export function stagingTable(runId: string, slot: number): string {
  return `${stagingPrefix(runId)}_${slot}`
}

export async function createStaging(storage: Storage, table: string): Promise<void> {
  await dropStaging(storage, table)
  await sql`CREATE UNLOGGED TABLE ${sql.table(table)} (
    sensor_id text NOT NULL, temperature_micro bigint NOT NULL, ts_ms double precision NOT NULL, line bigint NOT NULL
  )`.execute(storage.db)
}

export async function dropStaging(storage: Storage, table: string): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(storage.bulk())
}

/** Drops every staging table a run may have left (a killed attempt, a cancel). */
export async function dropRunStaging(storage: Storage, runId: string): Promise<void> {
  for (let slot = 0; slot < MAX_LOAD_SLOTS; slot++) await dropStaging(storage, stagingTable(runId, slot))
}

/**
 * Lets timers and sockets run: parsing a buffered file resolves only promises, which would starve
 * the heartbeats, the queue's polls, the API and the chunk loads in flight for as long as the file
 * lasts. Awaited every ROWS_PER_YIELD rows.
 */
export const yieldBetweenChunks = () => yieldToEventLoop()

export async function copyIntoStaging(
  storage: Storage,
  table: string,
  chunk: Uint8Array<ArrayBuffer>,
): Promise<void> {
  await storage.copyCsv(
    table,
    ['sensor_id', 'temperature_micro', 'ts_ms', 'line'],
    (async function* () {
      yield chunk
    })(),
  )
}

/**
 * Cancels the statements running on the run's staging tables (on another connection): a cancelled
 * run must not wait for an INSERT of seconds to end. The tables' names are the run's own, so no
 * other statement matches. On PGlite (one connection, in this thread) nothing runs meanwhile.
 */
export async function cancelStagingStatements(storage: Storage, runId: string): Promise<void> {
  const prefix = stagingPrefix(runId)
  await sql`
    SELECT pg_cancel_backend(pid) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
      AND query LIKE ${`%${prefix}%`}`
    .execute(storage.db)
    .catch(() => {})
}

/**
 * Moves what is staged in `table` into `measurements`, then empties the table: a row already
 * there (an earlier run, the saver, a duplicate line of the same file) is skipped, so running an
 * import again loads nothing twice. Returns how many rows were inserted.
 *
 * First as a plain INSERT, which fails on the first row already there: PostgreSQL's ON CONFLICT
 * inserts each row speculatively and confirms it (one more WAL record a row), about 1.6 µs of its
 * CPU a row of the 7–10 the move costs (bench/etl-stages.bench.ts). A repeated line of the chunk
 * is not a conflict: DISTINCT ON keeps its first line. Only when the plain INSERT meets a row
 * already there (a unique violation), or a deadlock with the other slot or the saver, is the chunk
 * moved again with `ON CONFLICT DO NOTHING`; the failed statement left nothing behind. On a rerun
 * the first sorted row conflicts at once, so the failed try costs little.
 */
export async function moveStagedRows(storage: Storage, table: string): Promise<number> {
  let inserted: number
  try {
    inserted = await insertStagedRows(storage, table, false)
  } catch (error) {
    if (!isInsertConflict(error)) throw error
    inserted = await insertStagedRows(storage, table, true)
  }
  await sql`TRUNCATE ${sql.table(table)}`.execute(storage.bulk())
  return inserted
}

/**
 * One statement: the rows of `table` into `measurements` (skipping those there already when
 * `skipExisting`, failing on them otherwise), and the sensors summary counting the rows really
 * inserted. The saver appends its rows for a fold instead (sensor-summary.ts); an import upserts
 * `sensors` at once, its loads being few and large, and no fold running without a saver. Rows go
 * in sorted, so two loads at once take their row locks in the same order and cannot deadlock, and
 * each index page takes its rows together.
 */
async function insertStagedRows(storage: Storage, table: string, skipExisting: boolean): Promise<number> {
  const { rows } = await sql<{ inserted: number }>`
    WITH inserted AS (
      INSERT INTO measurements (sensor_id, temperature, ts)
      -- Dividing in float8 gives the very double the cleaning computed (its microdegree rounding).
      SELECT DISTINCT ON (sensor_id, ts_ms) sensor_id, temperature_micro::float8 / 1000000, to_timestamp(ts_ms / 1000)
      FROM ${sql.table(table)}
      ORDER BY sensor_id, ts_ms, line
      ${skipExisting ? sql`ON CONFLICT (sensor_id, ts) DO NOTHING` : sql``}
      RETURNING sensor_id, temperature, ts
    ), per_sensor AS (
      SELECT sensor_id, count(*) AS n, min(ts) AS first_seen, max(ts) AS last_seen,
             (array_agg(temperature ORDER BY ts DESC))[1] AS last_temperature
      FROM inserted GROUP BY sensor_id
    ), summary AS (
      ${upsertSensorsFrom('per_sensor')}
    )
    SELECT coalesce(sum(n), 0)::int AS inserted FROM per_sensor`.execute(storage.bulk())
  return rows[0]?.inserted ?? 0
}
