import { type Kysely, sql } from 'kysely'
import type { Schema, SensorStatus } from './schema.ts'
import { type StoredAlert, storedAlertOf } from './windows-read-repository.ts'

export interface SensorOverviewQuery {
  /** Part of the sensor id, any case. */
  readonly search?: string
  readonly limit: number
  /** Keyset position: sensors after this id, in id order. */
  readonly after?: string
  /** A sensor whose last reading is older than this (epoch ms) is silent. */
  readonly silentBeforeMs: number
}

export interface SensorOverview {
  readonly sensor_id: string
  readonly count: number
  readonly last_seen: string
  readonly last_temperature: number
  readonly status: SensorOverviewStatus
}

/**
 * Registry first for a sensor retired by design: `decommissioned` wins over everything (it may not
 * send, so it is silent and its last alert may stay open forever). An `inactive` sensor may still
 * send, so an open alert of it still shows; `inactive` only replaces `silent` and `ok`.
 */
export type SensorOverviewStatus = 'decommissioned' | 'alerting' | 'inactive' | 'silent' | 'ok'

export interface SeriesQuery {
  readonly sensorId: string
  readonly size: string
  readonly fromMs: number
  readonly toMs: number
  readonly stepS: number
}

export interface SeriesPoint {
  readonly t: string
  readonly count: number
  readonly min: number
  readonly max: number
  readonly mean: number
}

/** `LIKE` treats `%`, `_` and `\` as patterns: a search for them means the characters. */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

function overviewStatus(
  registry: SensorStatus | null,
  alerting: boolean,
  silent: boolean,
): SensorOverviewStatus {
  if (registry === 'decommissioned') return 'decommissioned'
  if (alerting) return 'alerting'
  if (registry === 'inactive') return 'inactive'
  return silent ? 'silent' : 'ok'
}

/**
 * What the web console reads beyond the public listings: one page of sensors with their status,
 * a sensor's history bucketed on the server, and what is new since the last poll.
 */
export class ConsoleReadRepository {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  async sensorOverview(query: SensorOverviewQuery): Promise<{ items: SensorOverview[]; total: number }> {
    let filtered = this.#db.selectFrom('sensor_summaries as s')
    if (query.search) filtered = filtered.where('s.sensor_id', 'ilike', `%${likeEscaped(query.search)}%`)
    let page = filtered
      // A sensor only seen, never registered, has no registry status: it is measured only.
      .leftJoin('sensor_registry as r', 'r.sensor_id', 's.sensor_id')
      .select(['s.sensor_id', 's.measurement_count', 's.last_seen', 's.last_temperature', 'r.status'])
      // Open: an opening with no resolution of the same (sensor, kind, opened_at), as GET /alerts.
      .select(
        sql<boolean>`EXISTS (
          SELECT 1 FROM alerts a
          WHERE a.sensor_id = s.sensor_id AND a.state = 'open' AND NOT EXISTS (
            SELECT 1 FROM alerts r
            WHERE r.sensor_id = a.sensor_id AND r.kind = a.kind AND r.opened_at = a.opened_at
              AND r.state = 'resolved'))`.as('alerting'),
      )
      .orderBy('s.sensor_id')
      .limit(query.limit)
    if (query.after !== undefined) page = page.where('s.sensor_id', '>', query.after)
    const [rows, total] = await Promise.all([
      page.execute(),
      filtered.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    ])
    return {
      total: Number(total.n),
      items: rows.map((row) => ({
        sensor_id: row.sensor_id,
        count: Number(row.measurement_count),
        last_seen: row.last_seen.toISOString(),
        last_temperature: row.last_temperature,
        status: overviewStatus(row.status, row.alerting, row.last_seen.getTime() < query.silentBeforeMs),
      })),
    }
  }

  /**
   * A sensor's windows of one size merged into buckets of `stepS` seconds, in the database: a
   * day of 1-minute windows is 1,440 rows read by the primary key, and a month stays one page.
   */
  async series(query: SeriesQuery): Promise<SeriesPoint[]> {
    const rows = await sql<{ t: Date; count: number; min: number; max: number; mean: number }>`
      SELECT date_bin(make_interval(secs => ${query.stepS}), window_start, TIMESTAMPTZ 'epoch') AS t,
             sum(count)::float8 AS count, min(min) AS min, max(max) AS max,
             (sum(sum) / sum(count))::float8 AS mean
      FROM measurement_windows
      WHERE sensor_id = ${query.sensorId} AND size = ${query.size}
        AND window_start >= ${new Date(query.fromMs).toISOString()}::timestamptz
        AND window_start < ${new Date(query.toMs).toISOString()}::timestamptz
      GROUP BY 1 ORDER BY 1`.execute(this.#db)
    return rows.rows.map((row) => ({
      t: new Date(row.t).toISOString(),
      count: Number(row.count),
      min: row.min,
      max: row.max,
      mean: row.mean,
    }))
  }

  /** The id of the newest alert transition, '0' when there is none: where a live feed starts. */
  async newestAlertId(): Promise<string> {
    const newest = await this.#db
      .selectFrom('alerts')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst()
    return newest?.id == null ? '0' : String(newest.id)
  }

  /** Alert transitions with an id above `afterId`, oldest first. */
  async alertsAfter(afterId: string, limit: number): Promise<StoredAlert[]> {
    const rows = await this.#db
      .selectFrom('alerts')
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute()
    return rows.map(storedAlertOf)
  }
}
