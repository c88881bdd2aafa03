import { type Kysely, sql } from 'kysely'
import type { WindowSpec } from '../src/domain/window-spec.ts'
import { stddevOf } from '../src/roles/aggregate/window-sql.ts'

export interface WindowComparison {
  /** Windows the GROUP BY over `measurements` yields for this size. */
  readonly expected: number
  /** Windows that differ in any field, or exist on one side only (at most 20 shown). */
  readonly mismatches: ReadonlyArray<Record<string, unknown>>
}

/** Relative tolerance for sums, means and deviations: the aggregator adds in another order than the GROUP BY. */
const TOLERANCE = 1e-9

const differs = (a: string, b: string) =>
  sql.raw(`(abs(${a} - ${b}) > ${TOLERANCE} * greatest(1, abs(${a})) OR (${a} IS NULL) <> (${b} IS NULL))`)

/**
 * Compares `measurement_windows` of one size with the same windows computed by GROUP BY over
 * `measurements`, window by window and field by field. Tumbling windows are exactly
 * `GROUP BY sensor_id, date_bin(size, ts, 'epoch')`; a hopping window spans `size / hop` bins.
 */
export async function compareWindows(db: Kysely<unknown>, spec: WindowSpec): Promise<WindowComparison> {
  const bins =
    spec.hopMs === spec.sizeMs
      ? sql`SELECT sensor_id, ts, temperature,
            date_bin(make_interval(secs => ${spec.sizeMs / 1000}), ts, timestamptz '1970-01-01 00:00:00+00') AS window_start
          FROM measurements`
      : sql`SELECT sensor_id, ts, temperature,
            date_bin(make_interval(secs => ${spec.hopMs / 1000}), ts, timestamptz '1970-01-01 00:00:00+00')
              - k * make_interval(secs => ${spec.hopMs / 1000}) AS window_start
          FROM measurements CROSS JOIN generate_series(0, ${spec.sizeMs / spec.hopMs - 1}::int) AS k`
  const { rows } = await sql<Record<string, unknown> & { expected: string | number }>`
    WITH g AS (
      SELECT sensor_id, window_start, count(*) AS count, min(temperature) AS min, max(temperature) AS max,
        sum(temperature) AS sum, avg(temperature) AS mean, stddev(temperature) AS stddev,
        min(ts) AS first_ts, (array_agg(temperature ORDER BY ts))[1] AS first_value,
        max(ts) AS last_ts, (array_agg(temperature ORDER BY ts DESC))[1] AS last_value
      FROM (${bins}) AS b GROUP BY sensor_id, window_start
    ), w AS (
      SELECT sensor_id, window_start, count, min, max, sum, sum / count AS mean, ${stddevOf('mw')} AS stddev,
        first_ts, first_value, last_ts, last_value
      FROM measurement_windows AS mw WHERE size = ${spec.label}
    ), compared AS (
      SELECT coalesce(g.sensor_id, w.sensor_id) AS sensor_id, coalesce(g.window_start, w.window_start) AS window_start,
        g.count AS expected_count, w.count AS actual_count, g.sum AS expected_sum, w.sum AS actual_sum,
        g.min AS expected_min, w.min AS actual_min, g.max AS expected_max, w.max AS actual_max,
        g.stddev AS expected_stddev, w.stddev AS actual_stddev,
        (g.sensor_id IS NULL OR w.sensor_id IS NULL
          OR g.count <> w.count OR g.min <> w.min OR g.max <> w.max
          OR ${differs('g.sum', 'w.sum')} OR ${differs('g.mean', 'w.mean')}
          OR coalesce(abs(g.stddev - w.stddev) > 1e-6 * greatest(1, g.stddev), (g.stddev IS NULL) <> (w.stddev IS NULL))
          OR g.first_ts <> w.first_ts OR g.first_value <> w.first_value
          OR g.last_ts <> w.last_ts OR g.last_value <> w.last_value) AS bad
      FROM g FULL JOIN w ON g.sensor_id = w.sensor_id AND g.window_start = w.window_start
    )
    SELECT (SELECT count(*) FROM g) AS expected, c.* FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (SELECT * FROM compared WHERE bad LIMIT 20) AS c ON true`.execute(db)
  const expected = Number(rows[0]?.expected ?? 0)
  const mismatches = rows.filter((row) => row.sensor_id !== null && row.sensor_id !== undefined)
  return { expected, mismatches }
}
