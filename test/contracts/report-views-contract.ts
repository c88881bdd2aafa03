import assert from 'node:assert/strict'
import { it } from 'node:test'
import { sql } from 'kysely'
import { ReportsRepository } from '../../src/storage/reports-repository.ts'
import type { Storage } from '../../src/storage/storage.ts'

const HOUR = 3_600_000

/** A 1-hour window row as the aggregator stores it (only the fields the views read matter). */
async function hourWindow(storage: Storage, sensorId: string, startMs: number, temps: number[]) {
  const start = new Date(startMs)
  const sum = temps.reduce((total, value) => total + value, 0)
  await sql`
    INSERT INTO measurement_windows (sensor_id, size, window_start, window_end, source_partition, count,
      min, max, sum, sum_squares, first_ts, first_value, last_ts, last_value)
    VALUES (${sensorId}, '1h', ${start}, ${new Date(startMs + HOUR)}, 0, ${temps.length},
      ${Math.min(...temps)}, ${Math.max(...temps)}, ${sum}, 0, ${start}, ${temps[0]}, ${start}, ${temps.at(-1)})`.execute(
    storage.db,
  )
}

async function movement(
  storage: Storage,
  id: string,
  sku: string,
  kind: string,
  delta: number,
  daysAgo: number,
) {
  await sql`
    INSERT INTO stock_movements (movement_id, sku, warehouse, kind, quantity, on_hand_delta, reserved_delta, at, status)
    VALUES (${id}, ${sku}, 'w1', ${kind}, ${delta}, ${delta}, 0, now() - make_interval(days => ${daysAgo}), 'applied')`.execute(
    storage.db,
  )
}

/**
 * The `report_*` views of migration 0010, on each storage adapter: what the console's reports and
 * a BI tool read. Called inside the storage contract's describe, after it migrated `storage()`.
 */
export function reportViewsContract(storage: () => Storage): void {
  it('report views: throughput per day and temperatures per site from the 1-hour windows', async () => {
    const db = storage()
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000
    const yesterday = today - 86_400_000
    await sql`INSERT INTO sensor_registry (sensor_id, site) VALUES ('rep-a', 'north'), ('rep-b', 'north')`.execute(
      db.db,
    )
    await hourWindow(db, 'rep-a', yesterday + 2 * HOUR, [10, 20])
    await hourWindow(db, 'rep-b', yesterday + 3 * HOUR, [30])
    await hourWindow(db, 'rep-c', today, [5, 7, 9])
    // A 1-minute window is not counted twice next to its hour.
    await sql`
      INSERT INTO measurement_windows (sensor_id, size, window_start, window_end, source_partition, count,
        min, max, sum, sum_squares, first_ts, first_value, last_ts, last_value)
      VALUES ('rep-c', '1m', ${new Date(today)}, ${new Date(today + 60_000)}, 0, 3, 5, 9, 21, 0, now(), 5, now(), 9)`.execute(
      db.db,
    )
    const reports = new ReportsRepository(db.db)
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
    const throughput = (await reports.throughput(2)).filter((row) => row.day >= day(yesterday))
    assert.deepEqual(throughput, [
      { day: day(yesterday), readings: 3, sensors: 2 },
      { day: day(today), readings: 3, sensors: 1 },
    ])
    const temperatures = (await reports.temperatures(2)).filter((row) => row.day >= day(yesterday))
    assert.deepEqual(temperatures, [
      { day: day(yesterday), site: 'north', sensors: 2, readings: 3, min: 10, mean: 20, max: 30 },
      { day: day(today), site: 'unassigned', sensors: 1, readings: 3, min: 5, mean: 7, max: 9 },
    ])
    // What a BI tool sees: plain SQL on the view, a `date` column.
    const { rows } = await sql<{ readings: string }>`
      SELECT readings FROM report_throughput_daily WHERE day = ${day(today)}::date`.execute(db.db)
    assert.equal(Number(rows[0]?.readings), 3)
  })

  it('report views: stock turnover counts the applied sales of the last 30 days against stock on hand', async () => {
    const db = storage()
    await sql`
      INSERT INTO products (sku, name, category, price, version)
      VALUES ('REP-1', 'Kettle', 'kitchen', 20, 1), ('REP-2', 'Lamp', 'home', 15, 1), ('REP-3', 'Gone', 'home', 1, 2)`.execute(
      db.db,
    )
    await sql`UPDATE products SET deleted = true WHERE sku = 'REP-3'`.execute(db.db)
    await sql`
      INSERT INTO stock_levels (sku, warehouse, on_hand, reserved)
      VALUES ('REP-1', 'w1', 30, 5), ('REP-1', 'w2', 10, 0), ('REP-2', 'w1', 7, 0)`.execute(db.db)
    await movement(db, 'rep-m1', 'REP-1', 'sale', -12, 1)
    await movement(db, 'rep-m2', 'REP-1', 'sale', -8, 10)
    await movement(db, 'rep-m3', 'REP-1', 'sale', -100, 40)
    await movement(db, 'rep-m4', 'REP-1', 'receipt', 50, 2)
    const rows = (await new ReportsRepository(db.db).stockTurnover(100)).filter((row) =>
      row.sku.startsWith('REP-'),
    )
    assert.deepEqual(rows, [
      {
        sku: 'REP-1',
        name: 'Kettle',
        category: 'kitchen',
        sold_30d: 20,
        on_hand: 40,
        available: 35,
        turnover_30d: 0.5,
        days_of_cover: 60,
      },
      {
        sku: 'REP-2',
        name: 'Lamp',
        category: 'home',
        sold_30d: 0,
        on_hand: 7,
        available: 7,
        turnover_30d: 0,
        days_of_cover: null,
      },
    ])
  })
}
