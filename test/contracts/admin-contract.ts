import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { createAuth } from '../../src/auth/auth-setup.ts'
import { createAdminApp } from '../../src/roles/admin/admin-app.ts'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import type { Storage } from '../../src/storage/storage.ts'
import { authedInject, testAuth } from '../helpers/credentials.ts'
import { createMetrics, quietLogger, testConfig } from '../helpers/pipeline.ts'

/**
 * A fresh storage of one adapter, closed and removed when the test ends: `migrated` (an adapter may
 * copy a migrated template) or `empty`, never migrated.
 */
export type FreshStorage = (t: TestContext, state: 'migrated' | 'empty') => Promise<Storage>

export interface AdminContractOptions {
  /** A storage whose server cannot be reached, and the address it names; adapters that cannot be down leave it out. */
  readonly unreachableStorage?: (t: TestContext) => Promise<{ storage: Storage; port: string }>
}

const T0 = Date.parse('2026-03-01T00:00:00Z')

/** The admin app with auth on; `provision` stores the harness key (the database must be migrated). */
async function adminAppOn(storage: Storage, provision = true) {
  const auth = provision ? await testAuth(storage) : await createAuth(testConfig(), storage, quietLogger())
  const app = await createAdminApp({
    storage,
    repository: new MeasurementsRepository(storage.db),
    logger: quietLogger(),
    metrics: createMetrics(),
    defaultLimit: 10,
    maxLimit: 20,
    auth,
  })
  return { app, inject: authedInject(app) }
}

/** The admin HTTP contract, run against every storage adapter (test/contracts/admin.test.ts). */
export function runAdminContract(
  name: string,
  freshStorage: FreshStorage,
  options: AdminContractOptions = {},
) {
  describe(`admin API contract: ${name}`, () => {
    it('lists recent measurements with filters and a cursor, lists sensors, and refuses bad queries', async (t) => {
      const storage = await freshStorage(t, 'migrated')
      await new MeasurementsRepository(storage.db).insertBatch(
        Array.from({ length: 30 }, (_, i) => ({
          sensorId: `s${i % 3}`,
          temperature: i,
          timestampMs: T0 + i * 1000,
        })),
      )
      const { app, inject } = await adminAppOn(storage)
      t.after(() => app.close())

      const defaults = (await inject('/measurements')).json()
      assert.equal(defaults.items.length, 10)
      assert.equal(defaults.items[0].temperature, 29)
      assert.equal(defaults.items[0].timestamp, '2026-03-01T00:00:29.000Z')

      const two = (await inject('/measurements?limit=2&sensor_id=s1')).json()
      assert.deepEqual(
        two.items.map((item: { sensor_id: string; temperature: number }) => [
          item.sensor_id,
          item.temperature,
        ]),
        [
          ['s1', 28],
          ['s1', 25],
        ],
      )
      const next = (await inject(`/measurements?limit=2&sensor_id=s1&cursor=${two.next_cursor}`)).json()
      assert.deepEqual(
        next.items.map((item: { temperature: number }) => item.temperature),
        [22, 19],
      )

      const window = (
        await inject('/measurements?limit=20&from=2026-03-01T00:00:05Z&to=2026-03-01T00:00:08Z')
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
        const response = await inject(`/measurements?${query}`)
        assert.equal(response.statusCode, 400, String(query))
        assert.equal(response.json().code, code, String(query))
        assert.ok(response.json().message.length > 0)
      }

      const sensors = (await inject('/sensors')).json()
      assert.equal(sensors.items.length, 3)
      assert.deepEqual(
        {
          sensor_id: sensors.items[0].sensor_id,
          registered: sensors.items[0].registered,
          count: sensors.items[0].count,
          first_seen: sensors.items[0].first_seen,
          last_seen: sensors.items[0].last_seen,
          last_temperature: sensors.items[0].last_temperature,
        },
        {
          sensor_id: 's0',
          registered: false,
          count: 10,
          first_seen: '2026-03-01T00:00:00.000Z',
          last_seen: '2026-03-01T00:00:27.000Z',
          last_temperature: 27,
        },
      )
      assert.equal((await app.inject('/measurements')).statusCode, 401, 'no credential, no data')
      assert.equal((await inject('/ready')).statusCode, 200)
      const spec = (await inject('/docs/json')).json()
      assert.ok(spec.paths['/measurements'].get.parameters.some((p: { name: string }) => p.name === 'cursor'))
      assert.ok(spec.paths['/sensors'])
    })

    it("serves the console's sensor page of status and a history bucketed in the database", async (t) => {
      const storage = await freshStorage(t, 'migrated')
      await new MeasurementsRepository(storage.db).insertBatch(
        Array.from({ length: 9 }, (_, i) => ({
          sensorId: `s${i % 3}`,
          temperature: i,
          timestampMs: T0 + i * 1000,
        })),
      )
      const at = new Date(T0)
      await storage.db
        .insertInto('alerts')
        .values({
          sensor_id: 's1',
          kind: 'reading',
          state: 'open',
          at,
          opened_at: at,
          value: 99,
          reason: 'above 85',
        })
        .execute()
      // Two hours of 1-minute windows of s0, each of two readings i and i + 1.
      await storage.db
        .insertInto('measurement_windows')
        .values(
          Array.from({ length: 120 }, (_, i) => ({
            sensor_id: 's0',
            size: '1m',
            window_start: new Date(T0 + i * 60_000),
            window_end: new Date(T0 + (i + 1) * 60_000),
            source_partition: 0,
            count: 2,
            min: i,
            max: i + 1,
            sum: 2 * i + 1,
            sum_squares: i * i + (i + 1) * (i + 1),
            first_ts: new Date(T0 + i * 60_000),
            first_value: i,
            last_ts: new Date(T0 + i * 60_000 + 30_000),
            last_value: i + 1,
            final: true,
            revision: 0,
            updated_at: at,
          })),
        )
        .execute()
      const { app, inject } = await adminAppOn(storage)
      t.after(() => app.close())

      const page = (await inject('/sensor-overview?limit=2')).json()
      assert.deepEqual(
        page.items.map((item: { sensor_id: string; status: string }) => [item.sensor_id, item.status]),
        [
          ['s0', 'silent'],
          ['s1', 'alerting'],
        ],
      )
      assert.equal(page.total, 3)
      assert.equal(page.next_after, 's1')
      const last = (await inject('/sensor-overview?limit=2&after=s1')).json()
      assert.deepEqual(
        [last.items[0].sensor_id, last.items[0].last_temperature, last.next_after],
        ['s2', 8, null],
      )
      const found = (await inject('/sensor-overview?search=S2&silent_after_s=999999999')).json()
      assert.deepEqual([found.total, found.items[0].status], [1, 'ok'])
      assert.equal(
        (await inject('/sensor-overview?search=%25')).json().total,
        0,
        '% is a character, not a pattern',
      )

      // The registry's status joins in: decommissioned wins over alerting, inactive only over silent.
      await storage.db
        .insertInto('sensor_registry')
        .values([
          { sensor_id: 's0', status: 'inactive' },
          { sensor_id: 's1', status: 'decommissioned' },
          { sensor_id: 's2', status: 'active' },
        ])
        .execute()
      const statuses = async (url: string) =>
        (await inject(url))
          .json()
          .items.map((item: { sensor_id: string; status: string }) => [item.sensor_id, item.status])
      const registered = [
        ['s0', 'inactive'],
        ['s1', 'decommissioned'],
        ['s2', 'ok'],
      ]
      assert.deepEqual(await statuses('/sensor-overview?silent_after_s=999999999'), registered)
      assert.deepEqual(await statuses('/sensor-overview?limit=1&after=s0&search=s'), [registered[1]])
      await storage.db
        .updateTable('sensor_registry')
        .set({ status: 'inactive' })
        .where('sensor_id', '=', 's1')
        .execute()
      assert.deepEqual(await statuses('/sensor-overview?search=s1'), [['s1', 'alerting']])

      const series = (
        await inject('/sensors/s0/series?from=2026-03-01T00:00:00Z&to=2026-03-01T02:00:00Z&points=60')
      ).json()
      assert.equal(series.step_s, 120)
      assert.equal(series.items.length, 60)
      assert.deepEqual(series.items[0], { t: '2026-03-01T00:00:00.000Z', count: 4, min: 0, max: 2, mean: 1 })
      assert.deepEqual(series.items[59], {
        t: '2026-03-01T01:58:00.000Z',
        count: 4,
        min: 118,
        max: 120,
        mean: 119,
      })
      const bad = await inject('/sensors/s0/series?from=2026-03-01T02:00:00Z&to=2026-03-01T00:00:00Z')
      assert.equal(bad.json().code, 'INVALID_RANGE')
      assert.equal((await inject('/flow')).statusCode, 404, 'no flow view without its sampler')
    })

    const unreachableStorage = options.unreachableStorage
    // Only an adapter with a server can lose it (PGlite runs in this process).
    if (unreachableStorage)
      it('answers 503 with Retry-After and STORAGE_UNAVAILABLE while the database cannot be reached', async (t) => {
        const { storage, port } = await unreachableStorage(t)
        const { app, inject } = await adminAppOn(storage, false)
        t.after(() => app.close())

        for (const path of ['/measurements', '/measurements?sensor_id=a&limit=5', '/sensors']) {
          const started = Date.now()
          const response = await inject(path)
          assert.equal(response.statusCode, 503, `${path}: ${response.body}`)
          assert.equal(response.headers['retry-after'], '1', path)
          const body = response.json()
          assert.equal(body.code, 'STORAGE_UNAVAILABLE', path)
          assert.match(body.message, /database cannot be reached/)
          assert.doesNotMatch(body.message, new RegExp(port), 'the answer names no address')
          assert.ok(Date.now() - started < 5000, `${path} answered within the connect timeout`)
        }
        assert.equal((await inject('/ready')).statusCode, 503)
      })

    it('answers 500 STORAGE_REJECTED, no Retry-After, for a database refusal that lasts', async (t) => {
      // Reachable but never migrated: the query fails with "relation does not exist" (42P01).
      const storage = await freshStorage(t, 'empty')
      const { app, inject } = await adminAppOn(storage, false)
      t.after(() => app.close())
      const response = await inject('/measurements')
      assert.equal(response.statusCode, 500, response.body)
      assert.equal(response.headers['retry-after'], undefined)
      assert.deepEqual(response.json(), {
        code: 'STORAGE_REJECTED',
        message:
          "The database refused the statement (SQLSTATE 42P01); check its schema and the user's permissions",
      })
      assert.equal((await inject('/ready')).statusCode, 200)
    })
  })
}
