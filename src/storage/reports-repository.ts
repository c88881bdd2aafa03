import { type Kysely, sql } from 'kysely'
import type { Schema } from './schema.ts'

export interface ThroughputDay {
  /** UTC day, YYYY-MM-DD. */
  readonly day: string
  readonly readings: number
  readonly sensors: number
}

export interface SiteTemperatureDay {
  readonly day: string
  readonly site: string
  readonly sensors: number
  readonly readings: number
  readonly min: number
  readonly mean: number
  readonly max: number
}

export interface StockTurnoverRow {
  readonly sku: string
  readonly name: string
  readonly category: string
  readonly sold_30d: number
  readonly on_hand: number
  readonly available: number
  /** Units sold in 30 days per unit on hand; null with nothing on hand. */
  readonly turnover_30d: number | null
  /** How many days the stock on hand lasts at the last 30 days' pace; null with no sale. */
  readonly days_of_cover: number | null
}

const nullableNumber = (value: unknown) => (value === null ? null : Number(value))

/**
 * Reads the `report_*` views (migration 0010), the same ones a BI tool reads. Days travel as
 * `YYYY-MM-DD` text: a SQL `date` parsed by the driver would land at local midnight.
 */
export class ReportsRepository {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** The last `days` UTC days (today included), oldest first. */
  async throughput(days: number): Promise<ThroughputDay[]> {
    const { rows } = await sql<{ day: string; readings: string; sensors: string }>`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, readings, sensors
        FROM report_throughput_daily
       WHERE day > (now() AT TIME ZONE 'UTC')::date - ${days}::integer
       ORDER BY day`.execute(this.#db)
    return rows.map((row) => ({ day: row.day, readings: Number(row.readings), sensors: Number(row.sensors) }))
  }

  /** The last `days` UTC days per site, oldest first, sites in name order. */
  async temperatures(days: number): Promise<SiteTemperatureDay[]> {
    const { rows } = await sql<Record<string, string | number>>`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, site, sensors, readings,
             min_temperature, mean_temperature, max_temperature
        FROM report_temperatures_daily
       WHERE day > (now() AT TIME ZONE 'UTC')::date - ${days}::integer
       ORDER BY day, site`.execute(this.#db)
    return rows.map((row) => ({
      day: String(row.day),
      site: String(row.site),
      sensors: Number(row.sensors),
      readings: Number(row.readings),
      min: Number(row.min_temperature),
      mean: Number(row.mean_temperature),
      max: Number(row.max_temperature),
    }))
  }

  /** Products by units sold in the last 30 days, most first. */
  async stockTurnover(limit: number): Promise<StockTurnoverRow[]> {
    const { rows } = await sql<Record<string, string | number | null>>`
      SELECT sku, name, category, sold_30d, on_hand, available, turnover_30d, days_of_cover
        FROM report_stock_turnover
       ORDER BY sold_30d DESC, sku
       LIMIT ${limit}`.execute(this.#db)
    return rows.map((row) => ({
      sku: String(row.sku),
      name: String(row.name),
      category: String(row.category),
      sold_30d: Number(row.sold_30d),
      on_hand: Number(row.on_hand),
      available: Number(row.available),
      turnover_30d: nullableNumber(row.turnover_30d),
      days_of_cover: nullableNumber(row.days_of_cover),
    }))
  }
}
