import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { sql } from 'kysely'
import type { Storage } from '../../../storage/storage.ts'
import type { CleanRow } from './cleaning.ts'

/**
 * Bytes of COPY text per chunk (about 45,000 rows of a typical file): each chunk is one COPY into
 * a staging table and one INSERT from it. Large, so the per-statement costs (round trips, a
 * TRUNCATE) vanish beside the rows; small, so the few chunks in memory at once (one being filled,
 * one per load slot) stay a few MB and an INSERT lasts about a second on a quiet machine.
 */
export const CHUNK_BYTES = 2 * 1024 * 1024
/**
 * Room kept free for the next line: a staged line is at most about 1 KB (a sensor id of 128
 * characters, 3 bytes each in UTF-8, quotes doubled, three numbers), so it always fits.
 */
const MAX_LINE_BYTES = 4096
/** Rows parsed between two turns of the event loop (see `yieldBetweenChunks`). */
export const ROWS_PER_YIELD = 5000

/** Lines of COPY text ready to send: `bytes` views a buffer the chunker takes back once sent. */
export interface CopyChunk {
  readonly bytes: Buffer<ArrayBuffer>
  readonly rows: number
}

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
    sensor_id text NOT NULL, temperature double precision NOT NULL, ts_ms double precision NOT NULL, line bigint NOT NULL
  )`.execute(storage.db)
}

export async function dropStaging(storage: Storage, table: string): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(storage.bulk())
}

/** Drops every staging table a run may have left (a killed attempt, a cancel). */
export async function dropRunStaging(storage: Storage, runId: string): Promise<void> {
  for (let slot = 0; slot < MAX_LOAD_SLOTS; slot++) await dropStaging(storage, stagingTable(runId, slot))
}

/** One staged row as a line of COPY's CSV (the sensor id quoted: it may hold commas or quotes). */
export function copyLine(row: CleanRow, line: number): string {
  const id = row.sensorId.includes('"') ? row.sensorId.replaceAll('"', '""') : row.sensorId
  return `"${id}",${row.celsius},${row.timestampMs},${line}\n`
}

/**
 * Writes COPY lines into reused buffers of CHUNK_BYTES and hands out full chunks. Each row's line
 * is a short-lived string that dies young; only whole buffers outlive a chunk, so the heap does
 * not fill with rows waiting for their COPY (which kept the old-space growing with the file).
 * A chunk's buffer comes back with `release` once the database has it; the pool grows only to
 * the chunks in flight at once.
 */
export class CopyChunker {
  readonly #free: Buffer<ArrayBuffer>[] = []
  #buffer: Buffer<ArrayBuffer> = this.#take()
  #length = 0
  #rows = 0

  /** Adds a line; returns the full chunk when it is time to send one, or undefined. */
  push(text: string): CopyChunk | undefined {
    this.#length += this.#buffer.write(text, this.#length)
    this.#rows++
    return this.#buffer.length - this.#length < MAX_LINE_BYTES ? this.flush() : undefined
  }

  /** What is left, or undefined when nothing is. */
  flush(): CopyChunk | undefined {
    if (this.#rows === 0) return undefined
    const chunk = { bytes: this.#buffer.subarray(0, this.#length), rows: this.#rows }
    this.#buffer = this.#take()
    this.#length = 0
    this.#rows = 0
    return chunk
  }

  /** Takes back a chunk's buffer once it is sent (its COPY ended), to be filled again. */
  release(chunk: CopyChunk): void {
    this.#free.push(Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, CHUNK_BYTES))
  }

  #take(): Buffer<ArrayBuffer> {
    return this.#free.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES)
  }
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
    ['sensor_id', 'temperature', 'ts_ms', 'line'],
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
 * Moves what is staged in `table` into `measurements` with one `INSERT ... ON CONFLICT DO
 * NOTHING`, then empties the table: a row already there (an earlier run, the saver, a duplicate
 * line of the same file) is skipped, so running an import again loads nothing twice. The sensors
 * summary counts the rows really inserted, in the same statement, as the saver's does. Rows go in
 * sorted, so two loads at once take their row locks in the same order and cannot deadlock.
 * Returns how many were inserted.
 */
export async function moveStagedRows(storage: Storage, table: string): Promise<number> {
  const { rows } = await sql<{ inserted: number }>`
    WITH inserted AS (
      INSERT INTO measurements (sensor_id, temperature, ts)
      SELECT sensor_id, temperature, to_timestamp(ts_ms / 1000) FROM ${sql.table(table)}
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
  await sql`TRUNCATE ${sql.table(table)}`.execute(storage.bulk())
  return rows[0]?.inserted ?? 0
}
