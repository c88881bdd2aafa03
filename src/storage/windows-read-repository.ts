import { type Kysely, type Selectable, sql } from 'kysely'
import type { AlertsTable, Schema } from './schema.ts'

export interface StoredWindow {
  readonly sensor_id: string
  readonly size: string
  readonly window_start: string
  readonly window_end: string
  readonly count: number
  readonly min: number
  readonly max: number
  readonly sum: number
  readonly mean: number
  readonly stddev: number | null
  readonly first: { readonly ts: string; readonly value: number }
  readonly last: { readonly ts: string; readonly value: number }
  readonly final: boolean
  readonly revision: number
}

export interface WindowsQuery {
  readonly size: string
  readonly limit: number
  readonly sensorId?: string
  readonly fromMs?: number
  readonly toMs?: number
  /** Keyset position: windows strictly before this (window_start, sensor_id) pair, newest first. */
  readonly before?: { readonly startMs: number; readonly sensorId: string }
}

export interface StoredAlert {
  readonly id: string
  readonly sensor_id: string
  readonly kind: string
  readonly state: 'open' | 'resolved'
  readonly at: string
  readonly opened_at: string
  readonly value: number
  readonly reason: string
  /** Who acknowledged the opening, and when; null until someone does. */
  readonly acknowledged_by: string | null
  readonly acknowledged_at: string | null
}

/** An `alerts` row as the API shows it. */
export function storedAlertOf(row: Selectable<AlertsTable>): StoredAlert {
  return {
    id: String(row.id),
    sensor_id: row.sensor_id,
    kind: row.kind,
    state: row.state,
    at: row.at.toISOString(),
    opened_at: row.opened_at.toISOString(),
    value: row.value,
    reason: row.reason,
    acknowledged_by: row.acknowledged_by,
    acknowledged_at: row.acknowledged_at?.toISOString() ?? null,
  }
}

export interface AlertsQuery {
  readonly limit: number
  /** `open`: alerts opened and not resolved; `resolved`: resolutions; neither: every transition. */
  readonly state?: 'open' | 'resolved'
  readonly sensorId?: string
  readonly beforeId?: string
}

const iso = (value: Date) => value.toISOString()

/** What the admin API reads of the aggregator's tables. */
export class WindowsReadRepository {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Windows of one size, newest first, optionally of one sensor and within [from, to) by start. */
  async windows(query: WindowsQuery): Promise<StoredWindow[]> {
    let select = this.#db
      .selectFrom('measurement_windows')
      .selectAll()
      .where('size', '=', query.size)
      .orderBy('window_start', 'desc')
      .orderBy('sensor_id', 'desc')
      .limit(query.limit)
    if (query.sensorId !== undefined) select = select.where('sensor_id', '=', query.sensorId)
    if (query.fromMs !== undefined) select = select.where('window_start', '>=', new Date(query.fromMs))
    if (query.toMs !== undefined) select = select.where('window_start', '<', new Date(query.toMs))
    if (query.before) {
      const { startMs, sensorId } = query.before
      select = select.where(
        sql<boolean>`(window_start, sensor_id) < (${new Date(startMs).toISOString()}::timestamptz, ${sensorId})`,
      )
    }
    const rows = await select.execute()
    return rows.map((row) => {
      const count = Number(row.count)
      const variance =
        count > 1 ? Math.max(0, (row.sum_squares - (row.sum * row.sum) / count) / (count - 1)) : null
      return {
        sensor_id: row.sensor_id,
        size: row.size,
        window_start: iso(row.window_start),
        window_end: iso(row.window_end),
        count,
        min: row.min,
        max: row.max,
        sum: row.sum,
        mean: row.sum / count,
        stddev: variance === null ? null : Math.sqrt(variance),
        first: { ts: iso(row.first_ts), value: row.first_value },
        last: { ts: iso(row.last_ts), value: row.last_value },
        final: row.final,
        revision: row.revision,
      }
    })
  }

  /** Alert transitions, newest first. */
  async alerts(query: AlertsQuery): Promise<StoredAlert[]> {
    let select = this.#db.selectFrom('alerts as a').selectAll().orderBy('a.id', 'desc').limit(query.limit)
    if (query.state !== undefined) select = select.where('a.state', '=', query.state)
    if (query.state === 'open') {
      select = select.where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('alerts as r')
              .select('r.id')
              .whereRef('r.sensor_id', '=', 'a.sensor_id')
              .whereRef('r.kind', '=', 'a.kind')
              .whereRef('r.opened_at', '=', 'a.opened_at')
              .where('r.state', '=', 'resolved'),
          ),
        ),
      )
    }
    if (query.sensorId !== undefined) select = select.where('a.sensor_id', '=', query.sensorId)
    if (query.beforeId !== undefined) select = select.where('a.id', '<', query.beforeId)
    const rows = await select.execute()
    return rows.map(storedAlertOf)
  }
}
