import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { freePort } from '../../harness/index.ts'
import { createAdminApp } from '../../src/roles/admin/admin-app.ts'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { createMetrics, quietLogger } from '../helpers/pipeline.ts'
import { createTestDatabase } from '../helpers/services.ts'

const T0 = Date.parse('2026-03-01T00:00:00Z')

async function adminAppOn(storage: PostgresStorage) {
  return createAdminApp({
    storage,
    repository: new MeasurementsRepository(storage.db),
    logger: quietLogger(),
    metrics: createMetrics(),
    defaultLimit: 10,
    maxLimit: 20,
  })
}

describe('admin API against a real PostgreSQL', () => {
  it('lists recent measurements with filters and a cursor, lists sensors, and refuses bad queries', async (t) => {
    const { url, drop } = await createTestDatabase()
    t.after(drop)
    const storage = new PostgresStorage({ connectionString: url })
    t.after(() => storage.close())
    await storage.migrate()
    await new MeasurementsRepository(storage.db).insertBatch(
      Array.from({ length: 30 }, (_, i) => ({
        sensorId: `s${i % 3}`,
        temperature: i,
        timestampMs: T0 + i * 1000,
      })),
    )
    const app = await adminAppOn(storage)
    t.after(() => app.close())

    const defaults = (await app.inject('/measurements')).json()
    assert.equal(defaults.items.length, 10)
    assert.equal(defaults.items[0].temperature, 29)
    assert.equal(defaults.items[0].timestamp, '2026-03-01T00:00:29.000Z')

    const two = (await app.inject('/measurements?limit=2&sensor_id=s1')).json()
    assert.deepEqual(
      two.items.map((item: { sensor_id: string; temperature: number }) => [item.sensor_id, item.temperature]),
      [
        ['s1', 28],
        ['s1', 25],
      ],
    )
    const next = (await app.inject(`/measurements?limit=2&sensor_id=s1&cursor=${two.next_cursor}`)).json()
    assert.deepEqual(
      next.items.map((item: { temperature: number }) => item.temperature),
      [22, 19],
    )

    const window = (
      await app.inject('/measurements?limit=20&from=2026-03-01T00:00:05Z&to=2026-03-01T00:00:08Z')
    ).json()
    assert.deepEqual(
      window.items.map((item: { temperature: number }) => item.temperature),
      [7, 6, 5],
    )
    assert.equal(window.next_cursor, null)

    for (const [query, code] of [
      ['limit=0', 'INVALID_REQUEST'],
      ['sensor_id=%00', 'INVALID_REQUEST'],
      ['limit=21', 'INVALID_REQUEST'],
      ['limit=abc', 'INVALID_REQUEST'],
      ['from=yesterday', 'INVALID_REQUEST'],
      ['cursor=bm9wZQ', 'INVALID_CURSOR'],
      ['from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'INVALID_RANGE'],
    ]) {
      const response = await app.inject(`/measurements?${query}`)
      assert.equal(response.statusCode, 400, String(query))
      assert.equal(response.json().code, code, String(query))
      assert.ok(response.json().message.length > 0)
    }

    const sensors = (await app.inject('/sensors')).json()
    assert.deepEqual(sensors[0], {
      sensor_id: 's0',
      count: 10,
      first_seen: '2026-03-01T00:00:00.000Z',
      last_seen: '2026-03-01T00:00:27.000Z',
      last_temperature: 27,
    })
    assert.equal((await app.inject('/ready')).statusCode, 200)
    const spec = (await app.inject('/docs/json')).json()
    assert.ok(spec.paths['/measurements'].get.parameters.some((p: { name: string }) => p.name === 'cursor'))
    assert.ok(spec.paths['/sensors'])
  })

  it('answers 503 with Retry-After and STORAGE_UNAVAILABLE while PostgreSQL cannot be reached', async (t) => {
    const { url, drop } = await createTestDatabase()
    t.after(drop)
    // A port the OS just gave back: nothing listens there, so every connection is refused.
    const down = new URL(url)
    down.port = String(await freePort())
    const storage = new PostgresStorage({ connectionString: down.toString() })
    t.after(() => storage.close())
    const app = await adminAppOn(storage)
    t.after(() => app.close())

    for (const path of ['/measurements', '/measurements?sensor_id=a&limit=5', '/sensors']) {
      const started = Date.now()
      const response = await app.inject(path)
      assert.equal(response.statusCode, 503, `${path}: ${response.body}`)
      assert.equal(response.headers['retry-after'], '1', path)
      const body = response.json()
      assert.equal(body.code, 'STORAGE_UNAVAILABLE', path)
      assert.match(body.message, /database cannot be reached/)
      assert.doesNotMatch(body.message, new RegExp(down.port), 'the answer names no address')
      assert.ok(Date.now() - started < 5000, `${path} answered within the connect timeout`)
    }
    assert.equal((await app.inject('/ready')).statusCode, 503)
  })

  it('answers 500 STORAGE_REJECTED, no Retry-After, for a database refusal that lasts', async (t) => {
    const { url, drop } = await createTestDatabase()
    t.after(drop)
    // Reachable but never migrated: the query fails with "relation does not exist" (42P01).
    const storage = new PostgresStorage({ connectionString: url })
    t.after(() => storage.close())
    const app = await adminAppOn(storage)
    t.after(() => app.close())
    const response = await app.inject('/measurements')
    assert.equal(response.statusCode, 500, response.body)
    assert.equal(response.headers['retry-after'], undefined)
    assert.deepEqual(response.json(), {
      code: 'STORAGE_REJECTED',
      message:
        "The database refused the statement (SQLSTATE 42P01); check its schema and the user's permissions",
    })
    assert.equal((await app.inject('/ready')).statusCode, 200)
  })
})
