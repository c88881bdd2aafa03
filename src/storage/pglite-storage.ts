import { PGlite } from '@electric-sql/pglite'
import { Kysely, PGliteDialect, sql } from 'kysely'
import { migrateToLatest } from './migrations/index.ts'
import type { Schema } from './schema.ts'
import type { Storage } from './storage.ts'

export interface PGliteStorageOptions {
  /** A directory for a durable database, or undefined for one in memory. */
  readonly dataDir: string | undefined
  readonly onQuery?: (sqlText: string, durationMs: number, failed: boolean) => void
}

/** Storage in PGlite, PostgreSQL compiled to WASM, inside this process. Same SQL, same migrations. */
export class PGliteStorage implements Storage {
  readonly name = 'pglite'
  readonly capabilities = { concurrentConnections: false }
  readonly db: Kysely<Schema>
  readonly #pglite: PGlite

  constructor(options: PGliteStorageOptions) {
    this.#pglite = new PGlite(options.dataDir)
    this.db = new Kysely<Schema>({
      dialect: new PGliteDialect({ pglite: this.#pglite }),
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
