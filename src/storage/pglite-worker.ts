import { parentPort, workerData } from 'node:worker_threads'
import { openPGlite } from './pglite-durability.ts'
import { createDatabaseInChild } from './pglite-initdb.ts'
import { wasmMemoryBytes } from './pglite-memory.ts'

/**
 * The worker thread that owns a PGlite instance for `PGliteThread` (see pglite-thread.ts): it runs
 * each statement it is sent, in order, and posts back the result or the error's fields.
 */

/** What the main thread asks for; `id` pairs the answer with its call. */
export type PGliteRequest =
  | {
      readonly id: number
      readonly op: 'query'
      readonly sql: string
      readonly params?: unknown[]
      readonly rowMode?: 'array' | 'object'
    }
  | { readonly id: number; readonly op: 'exec'; readonly sql: string }
  | { readonly id: number; readonly op: 'copy'; readonly sql: string; readonly chunk: string | Uint8Array }
  | { readonly id: number; readonly op: 'ready' | 'close' | 'memory' }

export type PGliteReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: Record<string, unknown> }

const port = parentPort
if (!port) throw new Error('pglite-worker.ts runs as a worker thread of PGliteThread')
const { dataDir, synced } = workerData as { dataDir: string | undefined; synced: boolean }
// The durable database of `up --embedded`: a new one is made in a child process (see pglite-initdb.ts).
const opening = (synced && dataDir !== undefined ? createDatabaseInChild(dataDir) : Promise.resolve()).then(
  () => openPGlite(dataDir, synced),
)

async function run(request: PGliteRequest): Promise<unknown> {
  // Nothing runs before a new directory is on disk (see openPGlite).
  const { pglite, ready } = await opening
  await ready
  switch (request.op) {
    case 'ready':
      return undefined
    case 'query': {
      // `blob` and `fields` stay here: nothing on the main thread reads them.
      const { rows, affectedRows } = await pglite.query(request.sql, request.params, {
        rowMode: request.rowMode,
      })
      return { rows, affectedRows, fields: [] }
    }
    case 'exec':
      return (await pglite.exec(request.sql)).map(({ rows, affectedRows }) => ({
        rows,
        affectedRows,
        fields: [],
      }))
    case 'copy':
      // PGlite has no COPY FROM STDIN; it reads a chunk handed over as a Blob at `/dev/blob`.
      await pglite.query(request.sql, [], {
        blob: new Blob([request.chunk as string | Uint8Array<ArrayBuffer>]),
      })
      return undefined
    case 'memory':
      return wasmMemoryBytes(pglite)
    case 'close':
      return pglite.close()
  }
}

/** The fields of an error that survive the trip: PostgreSQL's SQLSTATE (`code`), detail, constraint… */
function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) }
  const fields: Record<string, unknown> = { message: error.message }
  for (const [key, value] of Object.entries(error))
    if (value === undefined || ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value
  return fields
}

port.on('message', (request: PGliteRequest) => {
  run(request).then(
    (result) => port.postMessage({ id: request.id, ok: true, result } satisfies PGliteReply),
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: errorFields(error) } satisfies PGliteReply),
  )
})
