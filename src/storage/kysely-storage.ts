import { type Dialect, Kysely, sql } from 'kysely'
import { migrateToLatest } from './migrations/index.ts'
import type { Schema } from './schema.ts'
import type { Storage, StorageCapabilities } from './storage.ts'

/** Called with each statement and its duration, to show the SQL flow. */
export type QueryListener = (sqlText: string, durationMs: number, failed: boolean) => void

/**
 * What both adapters share: Kysely over a dialect, the same migrations and the same health
 * check. An adapter only says which dialect and what it can do.
 */
export abstract class KyselyStorage implements Storage {
  readonly name: string
  readonly capabilities: StorageCapabilities
  readonly db: Kysely<Schema>

  constructor(name: string, capabilities: StorageCapabilities, dialect: Dialect, onQuery?: QueryListener) {
    this.name = name
    this.capabilities = capabilities
    this.db = new Kysely<Schema>({
      dialect,
      log: onQuery
        ? (event) => onQuery(event.query.sql, event.queryDurationMillis, event.level === 'error')
        : undefined,
    })
  }

  bulk(): Kysely<Schema> {
    return this.db
  }

  abstract copyCsv(
    table: string,
    columns: readonly string[],
    chunks: AsyncIterable<string | Uint8Array<ArrayBuffer>>,
  ): Promise<void>

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

/** The COPY statement both adapters run; identifiers quoted so a staging table name is safe. */
export function copyStatement(table: string, columns: readonly string[], source: string): string {
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`
  return `COPY ${quote(table)} (${columns.map(quote).join(', ')}) FROM ${source} WITH (FORMAT csv)`
}
