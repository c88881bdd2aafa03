import { PGlite } from '@electric-sql/pglite'
import { PGliteDialect } from 'kysely'
import { copyStatement, KyselyStorage, type QueryListener } from './kysely-storage.ts'

export interface PGliteStorageOptions {
  /** A directory for a durable database, or undefined for one in memory. */
  readonly dataDir: string | undefined
  readonly onQuery?: QueryListener
}

/**
 * Storage in PGlite, PostgreSQL compiled to WASM, inside this process: same SQL, same
 * migrations. It has one connection and blocks the event loop while a statement runs.
 */
export class PGliteStorage extends KyselyStorage {
  /** The instance itself, for pg-boss's PGlite adapter (the ETL's job queue in embedded mode). */
  readonly pglite: PGlite

  constructor(options: PGliteStorageOptions) {
    const pglite = new PGlite(options.dataDir)
    super(
      'pglite',
      { concurrentConnections: false, autovacuum: false },
      new PGliteDialect({ pglite }),
      options.onQuery,
    )
    this.pglite = pglite
  }

  /** PGlite has no COPY FROM STDIN; it reads a chunk handed over as a Blob at `/dev/blob`. */
  async copyCsv(
    table: string,
    columns: readonly string[],
    chunks: AsyncIterable<string | Uint8Array<ArrayBuffer>>,
  ): Promise<void> {
    const statement = copyStatement(table, columns, "'/dev/blob'")
    for await (const chunk of chunks) await this.pglite.query(statement, [], { blob: new Blob([chunk]) })
  }
}
