import type { Kysely } from 'kysely'
import type { Schema } from './schema.ts'

/** What a storage adapter can do, with the defaults in one place. */
export interface StorageCapabilities {
  /** Queries can run on several connections at once (a server); PGlite has one and blocks while it works. */
  readonly concurrentConnections: boolean
}

/**
 * A PostgreSQL-compatible database behind Kysely. Roles get one from the composition root and
 * never know whether a server or PGlite answers.
 */
export interface Storage {
  readonly name: string
  readonly capabilities: StorageCapabilities
  readonly db: Kysely<Schema>
  /**
   * Bulk-loads CSV text (each chunk whole lines, no header) into `table` with COPY, the fastest
   * way into PostgreSQL. Chunks are pulled as the database takes them, so memory stays bounded.
   */
  copyCsv(table: string, columns: readonly string[], chunks: AsyncIterable<string>): Promise<void>
  /** Applies pending migrations; returns the names of those it applied. */
  migrate(): Promise<string[]>
  isReachable(): Promise<boolean>
  close(): Promise<void>
}
