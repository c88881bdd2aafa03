import { PostgresDialect } from 'kysely'
import pg from 'pg'
import { KyselyStorage, type QueryListener } from './kysely-storage.ts'

export interface PostgresStorageOptions {
  readonly connectionString: string
  readonly maxConnections?: number
  readonly onQuery?: QueryListener
}

/** Storage on a PostgreSQL server through a pg connection pool. */
export class PostgresStorage extends KyselyStorage {
  constructor(options: PostgresStorageOptions) {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: 3000,
      // A dead server must not hang a batch forever: the saver retries with backoff instead.
      query_timeout: 30_000,
    })
    // An idle client that loses its server emits here; without a listener the process would crash.
    pool.on('error', () => {})
    // So does a client checked out between two statements of a transaction (the aggregator's): its
    // next statement fails and the batch is retried; the pool discards the broken client on release.
    pool.on('connect', (client) => client.on('error', () => {}))
    super('postgres', { concurrentConnections: true }, new PostgresDialect({ pool }), options.onQuery)
  }
}
