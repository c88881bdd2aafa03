import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createMetrics } from '../../src/observability/metrics.ts'
import { PGliteStorage } from '../../src/storage/pglite-storage.ts'
import { PGliteThread } from '../../src/storage/pglite-thread.ts'

/**
 * PGliteThread on a real PGlite in its worker: what the storage contract does not reach through
 * Kysely (pg-boss's `exec`, COPY from a blob, errors' fields, the session's turns, closing).
 */
describe('PGlite on a worker thread', () => {
  let directory: string
  let pglite: PGliteThread
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'flowline-pglite-thread-'))
    pglite = new PGliteThread(directory)
    await pglite.waitReady
    await pglite.exec('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)')
  })
  after(async () => {
    await pglite.close()
    await rm(directory, { recursive: true, force: true, maxRetries: 10 })
  })

  it('answers rows with their types, and errors with PostgreSQL’s SQLSTATE, detail and constraint', async () => {
    const { rows } = await pglite.query<{ id: number; at: Date }>('SELECT $1::int AS id, now() AS at', [7])
    assert.equal(rows[0]?.id, 7)
    assert.ok(rows[0]?.at instanceof Date)
    await pglite.query('INSERT INTO items VALUES (1, $1)', ['one'])
    await assert.rejects(pglite.query('INSERT INTO items VALUES (1, $1)', ['again']), (error: Error) => {
      const fields = error as Error & { code?: string; detail?: string; constraint?: string }
      assert.match(error.message, /duplicate key/)
      assert.equal(fields.code, '23505')
      assert.equal(fields.constraint, 'items_pkey')
      assert.match(fields.detail ?? '', /\(id\)=\(1\)/)
      return true
    })
  })

  it('runs several statements in one exec, as pg-boss sends them, with each one’s rows', async () => {
    const results = await pglite.exec(
      "BEGIN; INSERT INTO items VALUES (2, 'two') RETURNING id; SELECT count(*)::int AS n FROM items; COMMIT",
    )
    assert.equal(results.length, 4)
    assert.deepEqual(results[1]?.rows, [{ id: 2 }])
    assert.deepEqual(results[2]?.rows, [{ n: 2 }])
  })

  it('copies CSV handed over as a blob', async () => {
    await pglite.copy("COPY items (id, name) FROM '/dev/blob' WITH (FORMAT csv)", '10,ten\n11,eleven\n')
    const { rows } = await pglite.query<{ name: string }>('SELECT name FROM items WHERE id >= 10 ORDER BY id')
    assert.deepEqual(
      rows.map((row) => row.name),
      ['ten', 'eleven'],
    )
  })

  it('keeps statements from elsewhere out of a transaction, and rolls it back when its callback throws', async () => {
    let insideDone = false
    const transaction = pglite.transaction(async (tx) => {
      await tx.query("INSERT INTO items VALUES (20, 'twenty')")
      await new Promise((resolve) => setTimeout(resolve, 50))
      insideDone = true
      throw new Error('changed my mind')
    })
    // Sent while the transaction is open: it must run after the rollback, not inside it.
    const outside = pglite.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE id = 20')
    await assert.rejects(transaction, /changed my mind/)
    assert.equal(insideDone, true)
    assert.deepEqual((await outside).rows, [{ n: 0 }])
    const committed = await pglite.transaction(async (tx) => {
      await tx.query("INSERT INTO items VALUES (21, 'twenty-one')")
      return 'done'
    })
    assert.equal(committed, 'done')
    assert.deepEqual((await pglite.query('SELECT id FROM items WHERE id IN (20, 21)')).rows, [{ id: 21 }])
  })

  it('reports its WASM memory, which grows with a statement that needs more and never shrinks', async () => {
    const metrics = createMetrics()
    metrics.watchPGliteMemory(() => pglite.wasmMemoryBytes())
    const gauge = async () =>
      Number(/flowline_pglite_memory_bytes (\d+)/.exec(await metrics.registry.metrics())?.[1] ?? Number.NaN)
    const before = await gauge()
    // shared_buffers alone is 128 MB.
    assert.ok(before >= 128 * 1024 * 1024, `PGlite memory ${before} bytes`)
    // A sort held in memory: ~100 MB of rows more than the instance had.
    await pglite.transaction(async (tx) => {
      await tx.query("SET LOCAL work_mem = '512MB'")
      await tx.query(
        "SELECT count(*) FROM (SELECT g, repeat('x', 300) AS s FROM generate_series(1, 300000) g ORDER BY s, g DESC) t",
      )
    })
    const grown = await gauge()
    assert.ok(grown > before, `grew from ${before} to ${grown} bytes`)
    await pglite.query('SELECT 1')
    assert.equal(await gauge(), grown)
  })

  it('stops its thread when a storage is closed before any statement ran (else a CLI would never exit)', async () => {
    const unused = await mkdtemp(join(tmpdir(), 'flowline-pglite-thread-'))
    try {
      const storage = new PGliteStorage({ dataDir: unused, worker: true })
      await storage.close()
      assert.equal(storage.pglite.closed, true)
    } finally {
      await rm(unused, { recursive: true, force: true, maxRetries: 10 })
    }
  })

  it('refuses calls once closed, and the data is there when the directory is opened again', async () => {
    const second = await mkdtemp(join(tmpdir(), 'flowline-pglite-thread-'))
    try {
      const first = new PGliteThread(second)
      await first.exec("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
      await first.close()
      await assert.rejects(first.query('SELECT 1'), /PGlite is closed/)
      const reopened = new PGliteThread(second)
      assert.deepEqual((await reopened.query('SELECT v FROM kept')).rows, [{ v: 'still here' }])
      await reopened.close()
    } finally {
      await rm(second, { recursive: true, force: true, maxRetries: 10 })
    }
  })
})
