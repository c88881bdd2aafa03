import { PGlite } from '@electric-sql/pglite'
import { PGliteDialect } from 'kysely'
import { KyselyStorage, type QueryListener } from './kysely-storage.ts'

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
  constructor(options: PGliteStorageOptions) {
    super(
      'pglite',
      { concurrentConnections: false },
      new PGliteDialect({ pglite: new PGlite(options.dataDir) }),
      options.onQuery,
    )
  }
}
