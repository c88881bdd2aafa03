import { PGlite } from '@electric-sql/pglite'
import { PGliteDialect } from 'kysely'
import { copyStatement, KyselyStorage, type QueryListener } from './kysely-storage.ts'
import { wasmMemoryBytes } from './pglite-memory.ts'
import { PGliteThread } from './pglite-thread.ts'

export interface PGliteStorageOptions {
  /** A directory for a durable database, or undefined for one in memory. */
  readonly dataDir: string | undefined
  readonly onQuery?: QueryListener
  /**
   * Run PGlite on a worker thread (`flowline up --embedded` does), so that its statements use
   * the second core instead of the event loop. In-process by default: an instance starts faster.
   */
  readonly worker?: boolean
  /**
   * Sync each commit to disk, so that a power loss cannot take what PGlite said it stored
   * (pglite-durability.ts); on the worker only. `flowline up --embedded` does; tests need not pay for it.
   */
  readonly synced?: boolean
}

/**
 * Storage in PGlite, PostgreSQL compiled to WASM, inside this process: same SQL, same
 * migrations. It has one connection; in-process, it blocks the event loop while a statement runs.
 */
export class PGliteStorage extends KyselyStorage {
  /** The instance itself, for pg-boss's PGlite adapter (the ETL's job queue in embedded mode). */
  readonly pglite: PGlite | PGliteThread

  constructor(options: PGliteStorageOptions) {
    const synced = options.synced ?? false
    // Syncing holds a new directory back until its files are on disk, which the thread's calls wait for.
    if (synced && !options.worker) throw new Error('a synced PGlite runs on its worker thread')
    const pglite = options.worker
      ? new PGliteThread(options.dataDir, { synced })
      : new PGlite(options.dataDir)
    super(
      'pglite',
      { concurrentConnections: false, blocksEventLoop: !options.worker, autovacuum: false },
      // PGliteThread has the part of PGlite's API the dialect calls (see pglite-thread.ts).
      new PGliteDialect({ pglite: pglite as PGlite }),
      options.onQuery,
    )
    this.pglite = pglite
  }

  /**
   * Closes the instance too: Kysely closes it only once a statement has run, and a worker thread
   * left open would keep the process (a CLI command, say) from exiting.
   */
  override async close(): Promise<void> {
    await super.close()
    if (!this.pglite.closed) await this.pglite.close()
  }

  /** PGlite's WASM memory in bytes (PostgreSQL's heap and shared buffers): it only grows. */
  async wasmMemoryBytes(): Promise<number | undefined> {
    const pglite = this.pglite
    if (pglite instanceof PGliteThread) return pglite.wasmMemoryBytes()
    return pglite.closed ? undefined : wasmMemoryBytes(pglite)
  }

  /** PGlite has no COPY FROM STDIN; it reads a chunk handed over as a Blob at `/dev/blob`. */
  async copyCsv(
    table: string,
    columns: readonly string[],
    chunks: AsyncIterable<string | Uint8Array<ArrayBuffer>>,
  ): Promise<void> {
    const statement = copyStatement(table, columns, "'/dev/blob'")
    const pglite = this.pglite
    for await (const chunk of chunks)
      if (pglite instanceof PGliteThread) await pglite.copy(statement, chunk)
      else await pglite.query(statement, [], { blob: new Blob([chunk]) })
  }
}
