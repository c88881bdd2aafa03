import type { Kysely } from 'kysely'
import type { Schema } from './schema.ts'

/** What a storage adapter can do, with the defaults in one place. */
export interface StorageCapabilities {
  /** Queries can run on several connections at once (a server); PGlite has one session. */
  readonly concurrentConnections: boolean
  /**
   * Statements run on this process's event loop (PGlite in-process): while one runs, nothing else
   * of the process answers, so consumers keep their transactions small. PGlite on a worker thread
   * and a server do not.
   */
  readonly blocksEventLoop: boolean
  /**
   * Dead rows are vacuumed by the database itself (a server's autovacuum). PGlite runs no
   * background worker: code that deletes rows all the time there vacuums their table itself.
   */
  readonly autovacuum: boolean
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
  copyCsv(
    table: string,
    columns: readonly string[],
    chunks: AsyncIterable<string | Uint8Array<ArrayBuffer>>,
  ): Promise<void>
  /**
   * Kysely for bulk statements (an ETL load) that may run longer than the 30 s query timeout of
   * `db`: on a server, a small pool of its own without that timeout; on PGlite, `db` itself.
   */
  bulk(): Kysely<Schema>
  /** Applies pending migrations; returns the names of those it applied. */
  migrate(): Promise<string[]>
  isReachable(): Promise<boolean>
  close(): Promise<void>
}
