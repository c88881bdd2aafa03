import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import {
  listDayPartitions,
  maintainPartitions,
  startOfDay,
} from '../../src/storage/measurement-partitions.ts'
import { MeasurementsRepository } from '../../src/storage/measurements-repository.ts'
import type { Storage } from '../../src/storage/storage.ts'
import { ALL_MIGRATIONS } from '../helpers/migration-names.ts'
import { reportViewsContract } from './report-views-contract.ts'
import { sensorSummaryContract } from './sensor-summary-contract.ts'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const m = (sensorId: string, seconds: number, temperature = seconds) => ({
  sensorId,
  temperature,
  timestampMs: T0 + seconds * 1000,
})

/**
 * What every storage adapter must do, written once and run against each of them (the way
 * Kysely runs one suite over its dialects). `open` returns a fresh, empty database and how to
 * remove it.
 */
export function runStorageContract(
  name: string,
  open: () => Promise<{ storage: Storage; cleanup: () => Promise<void> }>,
): void {
  describe(`storage contract: ${name}`, () => {
    let storage: Storage
    let repository: MeasurementsRepository
    let cleanup: () => Promise<void> = async () => {}
    before(async () => {
      ;({ storage, cleanup } = await open())
      const applied = await storage.migrate()
      assert.deepEqual(applied, [...ALL_MIGRATIONS])
      assert.deepEqual(await storage.migrate(), [], 'a second run applies nothing')
      repository = new MeasurementsRepository(storage.db)
    })
    after(async () => {
      await storage.close()
      await cleanup()
    })

    reportViewsContract(() => storage)
    sensorSummaryContract(() => storage)

    it('is reachable', async () => {
      assert.equal(await storage.isReachable(), true)
    })

    it('inserts a batch once: a redelivered batch inserts nothing and the summary does not double count', async () => {
      const batch = [m('idem-a', 1), m('idem-a', 2), m('idem-b', 1)]
      assert.equal(await repository.insertBatch(batch), 3)
      assert.equal(await repository.insertBatch(batch), 0)
      assert.equal(await repository.insertBatch([m('idem-a', 2), m('idem-a', 3)]), 1)
      const sensors = (await repository.sensors()).filter((s) => s.sensor_id.startsWith('idem-'))
      assert.deepEqual(
        sensors.map((s) => [s.sensor_id, s.count, s.first_seen, s.last_seen, s.last_temperature]),
        [
          ['idem-a', 3, '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:03.000Z', 3],
          ['idem-b', 1, '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:01.000Z', 1],
        ],
      )
    })

    it('keeps the summary right when an older reading arrives late', async () => {
      await repository.insertBatch([m('late', 10, 10)])
      await repository.insertBatch([m('late', 5, 5)])
      const [late] = (await repository.sensors()).filter((s) => s.sensor_id === 'late')
      assert.equal(late?.count, 2)
      assert.equal(late?.first_seen, '2026-01-01T00:00:05.000Z')
      assert.equal(late?.last_temperature, 10)
    })

    it('inserts a fresh batch in one statement, without ON CONFLICT, and a batch holding a stored row in a second that skips it', async () => {
      // Every statement the repository sends passes through this plugin, the failed one too.
      const statements: string[] = []
      const counted = new MeasurementsRepository(
        storage.db.withPlugin({
          transformQuery: ({ node }) => {
            const compiled = storage.db.getExecutor().compileQuery(node, { queryId: '' } as never)
            statements.push(compiled.sql.includes('ON CONFLICT') ? 'skipping' : 'plain')
            return node
          },
          transformResult: async ({ result }) => result,
        }),
      )
      assert.equal(await counted.insertBatch([m('plain-a', 1), m('plain-b', 1)]), 2)
      assert.deepEqual(statements, ['plain'], 'a fresh batch: one plain statement')
      statements.length = 0
      assert.equal(await counted.insertBatch([m('plain-c', 1), m('plain-a', 1), m('plain-d', 1)]), 2)
      assert.deepEqual(
        statements,
        ['plain', 'skipping'],
        'a stored row: the plain statement fails, then one skips it',
      )
      const stored = await sql<{ sensor_id: string }>`
        SELECT sensor_id FROM measurements WHERE sensor_id LIKE 'plain-%' ORDER BY sensor_id`.execute(
        storage.db,
      )
      assert.deepEqual(
        stored.rows.map((row) => row.sensor_id),
        ['plain-a', 'plain-b', 'plain-c', 'plain-d'],
      )
    })

    it('stores every millisecond exactly, from 1970 to far in the future', async () => {
      const instants = [0, 1, 999, 1_000, 946_684_800_001, 1_767_225_599_999, 4_102_444_800_123]
      for (let i = 0; i < 200; i++) instants.push(Math.floor(Math.random() * 4_102_444_800_000))
      const batch = instants.map((timestampMs) => ({ sensorId: 'exact-ms', temperature: 1, timestampMs }))
      assert.equal(await repository.insertBatch(batch), new Set(instants).size)
      const stored = await repository.recent({ limit: 1000, sensorId: 'exact-ms' })
      assert.deepEqual(
        stored.map((row) => row.timestamp).sort(),
        [...new Set(instants)].map((ms) => new Date(ms).toISOString()).sort(),
      )
    })

    it('dedupes within one batch too', async () => {
      assert.equal(await repository.insertBatch([m('twice', 1), m('twice', 1)]), 1)
    })

    it("gives each sensor's rows ids in the batch's order, a clock that steps back too (fault suite P6)", async () => {
      // Interleaved as a saver's batch comes from the log; 'order-b' steps back from 30 s to 10 s.
      const batch = [m('order-b', 30), m('order-a', 2), m('order-b', 10), m('order-a', 1), m('order-b', 20)]
      assert.equal(await repository.insertBatch(batch), 5)
      const { rows } = await sql<{ sensor_id: string; seconds: number }>`
        SELECT sensor_id, extract(epoch FROM ts - ${new Date(T0).toISOString()}::timestamptz)::int AS seconds
          FROM measurements WHERE sensor_id IN ('order-a', 'order-b') ORDER BY id`.execute(storage.db)
      const inIdOrder = (sensor: string) => rows.filter((r) => r.sensor_id === sensor).map((r) => r.seconds)
      assert.deepEqual(inIdOrder('order-a'), [2, 1])
      assert.deepEqual(inIdOrder('order-b'), [30, 10, 20])
    })

    it('lists newest first with limit, sensor and time filters, and walks pages with a keyset cursor', async () => {
      const rows = Array.from({ length: 25 }, (_, i) => m(i % 2 === 0 ? 'page-even' : 'page-odd', 100 + i))
      await repository.insertBatch(rows)
      const newest = await repository.recent({ limit: 3, sensorId: 'page-even' })
      assert.deepEqual(
        newest.map((r) => r.timestamp),
        ['2026-01-01T00:02:04.000Z', '2026-01-01T00:02:02.000Z', '2026-01-01T00:02:00.000Z'],
      )
      const windowed = await repository.recent({ limit: 100, fromMs: T0 + 110_000, toMs: T0 + 115_000 })
      assert.equal(windowed.length, 5)
      assert.ok(
        windowed.every(
          (r) => r.timestamp >= '2026-01-01T00:01:50.000Z' && r.timestamp < '2026-01-01T00:01:55.000Z',
        ),
      )
      const seen: string[] = []
      let before: { tsMs: number; id: string } | undefined
      for (let page = 0; page < 10; page++) {
        const items = await repository.recent({ limit: 4, fromMs: T0 + 100_000, toMs: T0 + 125_000, before })
        seen.push(...items.map((r) => r.timestamp))
        const last = items.at(-1)
        if (items.length < 4 || !last) break
        before = { tsMs: Date.parse(last.timestamp), id: last.id }
      }
      assert.equal(seen.length, 25)
      assert.equal(new Set(seen).size, 25)
      assert.deepEqual(seen, [...seen].sort().reverse())
    })

    it('stores a measurement whose day has no partition in the default partition, and moves it when the day gets one', async () => {
      const farFuture = Date.parse('2999-06-01T12:00:00.123Z')
      const batch = [{ sensorId: 'far', temperature: 7, timestampMs: farFuture }, m('far', 1)]
      assert.equal(await repository.insertBatch(batch), 2)
      const where = async (ms: number) => {
        const { rows } = await sql<{ partition: string }>`
          SELECT tableoid::regclass::text AS partition FROM measurements
          WHERE sensor_id = 'far' AND ts = ${new Date(ms).toISOString()}::timestamptz`.execute(storage.db)
        return rows.map((row) => row.partition)
      }
      assert.deepEqual(await where(farFuture), ['measurements_default'])
      // Maintenance as if it ran that day: the day gets a partition and its row moves there, once.
      const result = await maintainPartitions(storage.db, { daysAhead: 1, retentionDays: 0 }, farFuture)
      assert.deepEqual(result.created, [
        'measurements_p29990531',
        'measurements_p29990601',
        'measurements_p29990602',
      ])
      assert.equal(result.moved, 1)
      assert.deepEqual(await where(farFuture), ['measurements_p29990601'])
      assert.equal(await repository.insertBatch(batch), 0, 'the key is still enforced after the move')
      const again = await maintainPartitions(storage.db, { daysAhead: 1, retentionDays: 0 }, farFuture)
      assert.deepEqual(again.created, [], 'a second run creates nothing')
    })

    it('keeps partitions ahead and drops whole partitions past the retention', async () => {
      const now = Date.parse('2031-03-10T08:00:00Z')
      await maintainPartitions(storage.db, { daysAhead: 3, retentionDays: 0 }, now - 10 * 86_400_000)
      const rows = [m('ret', 0), { sensorId: 'ret', temperature: 1, timestampMs: now - 9 * 86_400_000 }]
      rows.push({ sensorId: 'ret', temperature: 2, timestampMs: now - 30 * 86_400_000 })
      rows.push({ sensorId: 'ret', temperature: 3, timestampMs: now })
      assert.equal(await repository.insertBatch(rows), 4)
      const result = await maintainPartitions(storage.db, { daysAhead: 2, retentionDays: 5 }, now)
      const days = (await listDayPartitions(storage.db)).map((partition) => partition.dayMs)
      for (let ahead = -1; ahead <= 2; ahead++) assert.ok(days.includes(startOfDay(now) + ahead * 86_400_000))
      assert.ok(result.dropped.includes('measurements_p20310301'), 'the partition of 9 days ago is dropped')
      assert.ok(days.every((day) => day >= startOfDay(now) - 5 * 86_400_000))
      assert.ok(result.expired >= 2, 'old rows of the default partition are deleted too')
      const left = await repository.recent({ limit: 10, sensorId: 'ret' })
      assert.deepEqual(
        left.map((row) => row.timestamp),
        ['2031-03-10T08:00:00.000Z'],
      )
    })

    it('counts rows: every inserted row once, a repeated one not again', async () => {
      const before = await repository.count()
      const rows = Array.from({ length: 7 }, (_, i) => ({
        sensorId: 'count',
        temperature: i,
        timestampMs: T0 + i,
      }))
      assert.equal(await repository.insertBatch(rows), 7)
      assert.equal(await repository.insertBatch(rows.slice(0, 2)), 0)
      assert.equal(await repository.count(), before + 7)
    })

    it('reads newest first by walking the ascending (ts, id) index backwards, without sorting (migration 0016)', async () => {
      const plan = await storage.db.transaction().execute(async (trx) => {
        // Both off: on tables this small a scan and a sort would otherwise win, hiding whether the index serves.
        await sql`SET LOCAL enable_sort = off`.execute(trx)
        await sql`SET LOCAL enable_seqscan = off`.execute(trx)
        const { rows } = await sql<{ 'QUERY PLAN': string }>`
          EXPLAIN SELECT id FROM measurements
           WHERE (ts, id) < (${new Date(T0 + 60_000).toISOString()}::timestamptz, 0::bigint)
           ORDER BY ts DESC, id DESC LIMIT 10`.execute(trx)
        return rows.map((row) => row['QUERY PLAN']).join('\n')
      })
      assert.match(plan, /Index (Only )?Scan Backward using measurements_\w*ts_id\w*idx/)
      assert.doesNotMatch(plan, /\bSort\s+\(/, "no Sort node (a Merge Append's Sort Key is fine)")
    })
  })
}
