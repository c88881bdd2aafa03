import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/**
 * SQL views behind the console's reports, named `report_*` so a BI tool (Metabase, see
 * docs/metabase.md) reads the same numbers as the console. They read the aggregator's 1-hour
 * windows and the stock tables, never the raw `measurements` (a day of readings from 10,000
 * sensors is 14 million rows; their 1-hour windows are 240,000).
 *
 * - `report_sensor_days`: readings, min, sum and max per UTC day and sensor (the step the two
 *   below share).
 * - `report_throughput_daily`: readings and reporting sensors per UTC day.
 * - `report_temperatures_daily`: min, mean and max per UTC day and site (`sensor_registry.site`,
 *   "unassigned" for sensors without one).
 * - `report_stock_turnover`: per product, units sold in the last 30 days against the units on hand
 *   now; turnover = sold / on hand, days of cover = on hand / sold per day. On hand now stands in
 *   for the average stock of the period (the ledger keeps no daily snapshot).
 *
 * Views only: no table is touched, so applying or dropping them takes no lock on data.
 */
export const createReportViews: Migration = {
  async up(db: Kysely<unknown>) {
    // Per (day, sensor) first, then per day: both levels hash-aggregate, where a count(DISTINCT)
    // would sort every window. A filter on `day` is pushed down to the windows' scan.
    await sql`
      CREATE VIEW report_sensor_days AS
      SELECT (window_start AT TIME ZONE 'UTC')::date AS day, sensor_id,
             sum(count)::bigint AS readings, min(min) AS min_temperature,
             sum(sum) AS sum_temperature, max(max) AS max_temperature
        FROM measurement_windows
       WHERE size = '1h'
       GROUP BY 1, 2`.execute(db)
    await sql`
      CREATE VIEW report_throughput_daily AS
      SELECT day, sum(readings)::bigint AS readings, count(*)::bigint AS sensors
        FROM report_sensor_days
       GROUP BY day`.execute(db)
    await sql`
      CREATE VIEW report_temperatures_daily AS
      SELECT d.day, coalesce(r.site, 'unassigned') AS site,
             count(*)::bigint AS sensors,
             sum(d.readings)::bigint AS readings,
             min(d.min_temperature) AS min_temperature,
             sum(d.sum_temperature) / nullif(sum(d.readings), 0) AS mean_temperature,
             max(d.max_temperature) AS max_temperature
        FROM report_sensor_days d
        LEFT JOIN sensor_registry r ON r.sensor_id = d.sensor_id
       GROUP BY 1, 2`.execute(db)
    await sql`
      CREATE VIEW report_stock_turnover AS
      WITH sold AS (
        SELECT sku, sum(-on_hand_delta)::bigint AS units
          FROM stock_movements
         WHERE kind = 'sale' AND status = 'applied' AND at >= now() - interval '30 days'
         GROUP BY sku
      ), held AS (
        SELECT sku, sum(on_hand)::bigint AS on_hand, sum(on_hand - reserved)::bigint AS available
          FROM stock_levels
         GROUP BY sku
      )
      SELECT p.sku, p.name, p.category,
             coalesce(sold.units, 0)::bigint AS sold_30d,
             coalesce(held.on_hand, 0)::bigint AS on_hand,
             coalesce(held.available, 0)::bigint AS available,
             round(coalesce(sold.units, 0)::numeric / nullif(held.on_hand, 0), 2) AS turnover_30d,
             round(held.on_hand::numeric * 30 / nullif(sold.units, 0), 1) AS days_of_cover
        FROM products p
        LEFT JOIN sold ON sold.sku = p.sku
        LEFT JOIN held ON held.sku = p.sku
       WHERE NOT p.deleted`.execute(db)
  },
  async down(db: Kysely<unknown>) {
    for (const view of [
      'report_stock_turnover',
      'report_temperatures_daily',
      'report_throughput_daily',
      'report_sensor_days',
    ])
      await sql`DROP VIEW ${sql.id(view)}`.execute(db)
  },
}
