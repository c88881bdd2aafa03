import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { sql } from 'kysely'
import type { Storage } from '../../../storage/storage.ts'
import type { CleanRow } from './cleaning.ts'

/** Rows per COPY chunk: about 250 KB of CSV, big enough to amortise a call, small to bound memory. */
const ROWS_PER_CHUNK = 5000
/**
 * Input lines per INSERT from staging. A statement cannot be interrupted by a cancel, which lands
 * between two: at 75 µs a row (wall, measured on the busy shared machine) 50,000 lines keep one
 * under 4 s, so a cancel stays under the 5 s it promises; per-statement overhead is small beside.
 */
export const LINES_PER_INSERT = 50_000

/** The staging table of a run: unlogged (it is rebuilt on a retry anyway), dropped when loaded. */
export function stagingTable(runId: string): string {
  return `etl_stage_${runId.replaceAll('-', '')}`
}

export async function createStaging(storage: Storage, table: string): Promise<void> {
  await dropStaging(storage, table)
  await sql`CREATE UNLOGGED TABLE ${sql.table(table)} (
    sensor_id text NOT NULL, temperature double precision NOT NULL, ts_ms double precision NOT NULL, line bigint NOT NULL
  )`.execute(storage.db)
}

export async function dropStaging(storage: Storage, table: string): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(storage.bulk())
}

/** One staged row as a line of COPY's CSV (the sensor id quoted: it may hold commas or quotes). */
export function copyLine(row: CleanRow, line: number): string {
  const id = row.sensorId.includes('"') ? row.sensorId.replaceAll('"', '""') : row.sensorId
  return `"${id}",${row.celsius},${row.timestampMs},${line}\n`
}

/**
 * Groups COPY lines into chunks of ROWS_PER_CHUNK: the caller pushes lines as it reads, and gets
 * a chunk back when one is full (one async hop per chunk, not per row).
 */
export class CopyChunker {
  #lines: string[] = []

  /** Adds a line; returns a full chunk to send, or undefined. */
  push(text: string): string | undefined {
    this.#lines.push(text)
    if (this.#lines.length < ROWS_PER_CHUNK) return undefined
    return this.flush()
  }

  /** What is left, or undefined when nothing is. */
  flush(): string | undefined {
    if (this.#lines.length === 0) return undefined
    const chunk = this.#lines.join('')
    this.#lines = []
    return chunk
  }
}

/** Lets timers and sockets run between chunks (see `stage`); awaited once per chunk. */
export const yieldBetweenChunks = () => yieldToEventLoop()

export async function copyIntoStaging(
  storage: Storage,
  table: string,
  chunks: AsyncIterable<string>,
): Promise<void> {
  await storage.copyCsv(table, ['sensor_id', 'temperature', 'ts_ms', 'line'], chunks)
}

export async function lastStagedLine(storage: Storage, table: string): Promise<number> {
  await sql`CREATE INDEX ON ${sql.table(table)} USING brin (line)`.execute(storage.bulk())
  const { rows } = await sql<{ last: string | number | null }>`
    SELECT max(line) AS last FROM ${sql.table(table)}`.execute(storage.bulk())
  return Number(rows[0]?.last ?? 0)
}

/**
 * Cancels the statements running on the run's staging table (on another connection): a cancelled
 * run must not wait for an INSERT of many seconds to end. The table's name is the run's own, so
 * no other statement matches. On PGlite (one connection, in this thread) nothing runs meanwhile.
 */
export async function cancelStagingStatements(storage: Storage, table: string): Promise<void> {
  await sql`
    SELECT pg_cancel_backend(pid) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
      AND query LIKE ${`%${table}%`}`
    .execute(storage.db)
    .catch(() => {})
}

/**
 * Moves staged lines `[from, to)` into `measurements` with one `INSERT ... ON CONFLICT DO
 * NOTHING`: a row already there (an earlier run, the saver, a duplicate line of the same file)
 * is skipped, so running an import again loads nothing twice. The sensors summary counts the
 * rows really inserted, in the same statement, as the saver's does. Returns how many.
 */
export async function insertStagedLines(
  storage: Storage,
  table: string,
  from: number,
  to: number,
): Promise<number> {
  const { rows } = await sql<{ inserted: number }>`
    WITH inserted AS (
      INSERT INTO measurements (sensor_id, temperature, ts)
      SELECT sensor_id, temperature, to_timestamp(ts_ms / 1000) FROM ${sql.table(table)}
      WHERE line >= ${from} AND line < ${to}
      ORDER BY sensor_id, ts_ms
      ON CONFLICT (sensor_id, ts) DO NOTHING
      RETURNING sensor_id, temperature, ts
    ), per_sensor AS (
      SELECT sensor_id, count(*) AS n, min(ts) AS first_ts, max(ts) AS last_ts,
             (array_agg(temperature ORDER BY ts DESC))[1] AS last_temperature
      FROM inserted GROUP BY sensor_id
    ), summary AS (
      INSERT INTO sensors AS s (sensor_id, measurement_count, first_seen, last_seen, last_temperature)
      SELECT sensor_id, n, first_ts, last_ts, last_temperature FROM per_sensor ORDER BY sensor_id
      ON CONFLICT (sensor_id) DO UPDATE SET
        measurement_count = s.measurement_count + excluded.measurement_count,
        first_seen = least(s.first_seen, excluded.first_seen),
        last_seen = greatest(s.last_seen, excluded.last_seen),
        last_temperature = CASE WHEN excluded.last_seen >= s.last_seen
                                THEN excluded.last_temperature ELSE s.last_temperature END
      RETURNING 1
    )
    SELECT coalesce(sum(n), 0)::int AS inserted FROM per_sensor`.execute(storage.bulk())
  return rows[0]?.inserted ?? 0
}
