import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { scalarArray, textArray } from '../../src/storage/pg-array.ts'
import { PGliteStorage } from '../../src/storage/pglite-storage.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import type { Storage } from '../../src/storage/storage.ts'
import { createTestDatabase } from '../helpers/services.ts'

const TEXTS = [
  ['SKU-00001', 'm42', '2026-12-02T10:00:00.000Z'],
  ['', 'NULL', 'null', 'a"b', 'back\\slash', '{braces}', 'a,b', ' spaced ', 'tab\there', 'ünï€ode'],
  ['x', null, '{"code":"INSUFFICIENT_STOCK","reason":"a \\"quoted\\" reason"}', undefined],
  [],
]

/** What PostgreSQL reads from each literal is exactly the values given (undefined reads as NULL). */
async function roundTrips(storage: Storage) {
  for (const values of TEXTS) {
    const { rows } = await sql<{ v: (string | null)[] }>`SELECT ${textArray(values)}::text[] AS v`.execute(
      storage.db,
    )
    assert.deepEqual(
      rows[0]?.v,
      values.map((value) => value ?? null),
    )
  }
  const numbers = [0, -7, 2_147_483_647, null, 12]
  const { rows } = await sql<{ v: (number | null)[] }>`SELECT ${scalarArray(numbers)}::int[] AS v`.execute(
    storage.db,
  )
  assert.deepEqual(rows[0]?.v, numbers)
  const { rows: flags } = await sql<{
    v: boolean[]
  }>`SELECT ${scalarArray([true, false])}::boolean[] AS v`.execute(storage.db)
  assert.deepEqual(flags[0]?.v, [true, false])
}

test('array literals read back as the values given, on a PostgreSQL server', async (t) => {
  const { url, drop } = await createTestDatabase()
  const storage = new PostgresStorage({ connectionString: url })
  t.after(async () => {
    await storage.close()
    await drop()
  })
  await roundTrips(storage)
})

test('array literals read back as the values given, on PGlite', async (t) => {
  const storage = new PGliteStorage({ dataDir: undefined })
  t.after(() => storage.close())
  await roundTrips(storage)
})
