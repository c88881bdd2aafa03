import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { migrateToLatest } from './migrations/index.ts'
import type { Schema } from './schema.ts'
import type { Storage } from './storage.ts'

export interface PostgresStorageOptions {
  readonly connectionString: string
  readonly maxConnections?: number
  /** Called with each statement and its duration, to show the SQL flow. */
  readonly onQuery?: (sqlText: string, durationMs: number, failed: boolean) => void
}

/** Storage on a PostgreSQL server through a pg connection pool. */
export class PostgresStorage implements Storage {
  readonly name = 'postgres'
  readonly capabilities = { concurrentConnections: true }
  readonly db: Kysely<Schema>
  readonly #pool: pg.Pool

  constructor(options: PostgresStorageOptions) {
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: 3000,
      // A dead server must not hang a batch forever: the saver retries with backoff instead.
      query_timeout: 30_000,
    })
    // An idle client that loses its server emits here; without a listener the process would crash.
    this.#pool.on('error', () => {})
    this.db = new Kysely<Schema>({
      dialect: new PostgresDialect({ pool: this.#pool }),
      log: options.onQuery
        ? (event) => options.onQuery?.(event.query.sql, event.queryDurationMillis, event.level === 'error')
        : undefined,
    })
  }

  migrate(): Promise<string[]> {
    return migrateToLatest(this.db as Kysely<unknown>)
  }

  async isReachable(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db)
      return true
    } catch {
      return false
    }
  }

  async close(): Promise<void> {
    await this.db.destroy()
  }
}
