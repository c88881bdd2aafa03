import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { copyStatement, KyselyStorage, type QueryListener } from './kysely-storage.ts'
import { migrateToLatest } from './migrations/index.ts'
import type { Schema } from './schema.ts'

export interface PostgresStorageOptions {
  readonly connectionString: string
  readonly maxConnections?: number
  readonly onQuery?: QueryListener
}

/** Storage on a PostgreSQL server through a pg connection pool. */
export class PostgresStorage extends KyselyStorage {
  readonly #connectionString: string
  readonly #pool: pg.Pool
  #bulk: { pool: pg.Pool; db: Kysely<Schema> } | undefined

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
    super(
      'postgres',
      { concurrentConnections: true, blocksEventLoop: false, autovacuum: true },
      new PostgresDialect({ pool }),
      options.onQuery,
    )
    this.#connectionString = options.connectionString
    this.#pool = pool
  }

  /** A pool of two connections without query timeout, opened on first use. */
  override bulk(): Kysely<Schema> {
    if (!this.#bulk) {
      const pool = new pg.Pool({
        connectionString: this.#connectionString,
        max: 2,
        connectionTimeoutMillis: 10_000,
      })
      pool.on('error', () => {})
      pool.on('connect', (client) => client.on('error', () => {}))
      this.#bulk = { pool, db: new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) }) }
    }
    return this.#bulk.db
  }

  override async close(): Promise<void> {
    await this.#bulk?.db.destroy()
    await super.close()
  }

  /**
   * COPY FROM STDIN through pg-copy-streams, with the stream's backpressure, on a bulk connection:
   * a large COPY takes longer than the pool's 30 s query timeout.
   */
  async copyCsv(
    table: string,
    columns: readonly string[],
    chunks: AsyncIterable<string | Uint8Array<ArrayBuffer>>,
  ): Promise<void> {
    this.bulk()
    const client = await (this.#bulk as { pool: pg.Pool }).pool.connect()
    try {
      const copy = client.query(copyFrom(copyStatement(table, columns, 'STDIN')))
      await pipeline(Readable.from(chunks), copy)
      client.release()
    } catch (error) {
      // A COPY that failed half way leaves the connection in an unknown state: discard it.
      client.release(error as Error)
      throw error
    }
  }

  /**
   * Migrations run on a connection of their own without the pool's 30 s query timeout: a
   * migration such as 0004 copies every row, which takes minutes on a large table, and a timeout
   * would roll it back on every try.
   */
  override async migrate(): Promise<string[]> {
    const pool = new pg.Pool({
      connectionString: this.#connectionString,
      max: 1,
      connectionTimeoutMillis: 3000,
    })
    pool.on('error', () => {})
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) })
    try {
      return await migrateToLatest(db)
    } finally {
      await db.destroy()
    }
  }
}
