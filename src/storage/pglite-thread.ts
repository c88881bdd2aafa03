import { Worker } from 'node:worker_threads'
import type { PGliteReply, PGliteRequest } from './pglite-worker.ts'

type Call = PGliteRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never

interface QueryResult<T> {
  rows: T[]
  affectedRows?: number
  fields: { name: string; dataTypeID: number }[]
}

/** A statement runner: PGliteThread itself, or the transaction a callback of `transaction` gets. */
interface Runner {
  query<T>(
    sql: string,
    params?: unknown[],
    options?: { rowMode?: 'array' | 'object' },
  ): Promise<QueryResult<T>>
  exec(sql: string): Promise<QueryResult<unknown>[]>
}

/**
 * PGlite on a worker thread, behind the part of PGlite's API that Kysely's PGliteDialect and
 * pg-boss's PGlite adapter use (`query`, `exec`, `transaction`, `waitReady`, `close`).
 *
 * In embedded mode one process runs ingest and the saver; with PGlite on the event loop, every
 * statement's WASM work stopped ingest, and ingest's requests stopped the saver. On its own
 * thread PGlite runs on the second core while the event loop parses, validates and appends.
 *
 * PGlite has one session, so statements run one after another: a transaction holds the session
 * from BEGIN to COMMIT, and statements from elsewhere wait for it, as with PGlite in-process.
 */
export class PGliteThread implements Runner {
  readonly #worker: Worker
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  #nextId = 0
  /** The session: each statement or transaction starts when the one before it has settled. */
  #session: Promise<unknown> = Promise.resolve()
  ready = false
  closed = false
  readonly waitReady: Promise<void>

  /** `synced`: commits reach the disk (see pglite-durability.ts). */
  constructor(dataDir: string | undefined, options: { synced?: boolean } = {}) {
    this.#worker = new Worker(new URL('./pglite-worker.ts', import.meta.url), {
      workerData: { dataDir, synced: options.synced ?? false },
    })
    this.#worker.on('message', (reply: PGliteReply) => this.#settle(reply))
    // A worker that dies (out of memory, a WASM trap) fails what waits instead of hanging it.
    this.#worker.on('error', (error: Error) => this.#failAll(error))
    this.#worker.on('exit', (code) => {
      this.closed = true
      this.#failAll(new Error(`PGlite's worker thread exited with code ${code}`))
    })
    this.waitReady = this.#call({ op: 'ready' }).then(() => {
      this.ready = true
    })
    // Awaited by whoever uses the instance; unobserved here so a failed start is not reported twice.
    this.waitReady.catch(() => {})
  }

  query<T>(
    sql: string,
    params?: unknown[],
    options?: { rowMode?: 'array' | 'object' },
  ): Promise<QueryResult<T>> {
    return this.#inSession(() => this.#query<T>(sql, params, options))
  }

  exec(sql: string): Promise<QueryResult<unknown>[]> {
    return this.#inSession(() => this.#exec(sql))
  }

  /** COPY … FROM '/dev/blob' with `chunk` as the blob. */
  copy(sql: string, chunk: string | Uint8Array): Promise<void> {
    return this.#inSession(() => this.#call({ op: 'copy', sql, chunk }) as Promise<void>)
  }

  /** Runs `callback` in BEGIN … COMMIT, or ROLLBACK when it throws or calls `rollback()`. */
  transaction<T>(callback: (tx: Runner & { rollback(): Promise<void> }) => Promise<T>): Promise<T> {
    return this.#inSession(async () => {
      await this.#query('BEGIN')
      let rolledBack = false
      const tx = {
        query: <R>(sql: string, params?: unknown[], options?: { rowMode?: 'array' | 'object' }) =>
          this.#query<R>(sql, params, options),
        exec: (sql: string) => this.#exec(sql),
        rollback: async () => {
          rolledBack = true
          await this.#query('ROLLBACK')
        },
      }
      try {
        const result = await callback(tx)
        if (!rolledBack) await this.#query('COMMIT')
        return result
      } catch (error) {
        if (!rolledBack) await this.#query('ROLLBACK').catch(() => {})
        throw error
      }
    })
  }

  /** The worker's PGlite WASM memory in bytes; answered between two statements, outside the session. */
  async wasmMemoryBytes(): Promise<number | undefined> {
    if (!this.ready || this.closed) return undefined
    return (await this.#call({ op: 'memory' })) as number | undefined
  }

  async close(): Promise<void> {
    if (this.closed) return
    // A start that failed leaves nothing to close but the thread.
    const started = await this.waitReady.then(
      () => true,
      () => false,
    )
    if (started) await this.#inSession(() => this.#call({ op: 'close' }))
    this.closed = true
    await this.#worker.terminate()
  }

  #query<T>(sql: string, params?: unknown[], options?: { rowMode?: 'array' | 'object' }) {
    return this.#call({ op: 'query', sql, params, rowMode: options?.rowMode }) as Promise<QueryResult<T>>
  }

  #exec(sql: string) {
    return this.#call({ op: 'exec', sql }) as Promise<QueryResult<unknown>[]>
  }

  #inSession<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.#session.then(work)
    this.#session = turn.catch(() => {})
    return turn
  }

  #call(request: Call): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('PGlite is closed'))
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#worker.postMessage({ ...request, id })
    })
  }

  #settle(reply: PGliteReply): void {
    const call = this.#pending.get(reply.id)
    if (!call) return
    this.#pending.delete(reply.id)
    if (reply.ok) call.resolve(reply.result)
    else {
      const { message, ...fields } = reply.error
      // A plain Error with the database error's fields (`code`, `detail`, `constraint`…), which
      // is what the storage layer reads; its stack is this thread's, where the caller is.
      call.reject(Object.assign(new Error(String(message)), fields))
    }
  }

  #failAll(error: Error): void {
    for (const call of this.#pending.values()) call.reject(error)
    this.#pending.clear()
  }
}
