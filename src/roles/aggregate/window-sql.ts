import { type RawBuilder, sql } from 'kysely'

/** ISO-8601 UTC text of a timestamptz column, the same whatever the session's time zone. */
export function isoText(column: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
}

/** Sample standard deviation from the mergeable state; null for a single reading, as `stddev` gives. */
export function stddevOf(table: string): RawBuilder<number | null> {
  const t = sql.ref(table)
  return sql<
    number | null
  >`CASE WHEN ${t}.count > 1 THEN sqrt(greatest(0, (${t}.sum_squares - ${t}.sum * ${t}.sum / ${t}.count) / (${t}.count - 1))) END`
}

/**
 * The event published for a window (closed, or corrected by a late reading), built in the same
 * statement that changes the row so that the event and the row cannot disagree.
 */
export function windowEventJson(table: string): RawBuilder<string> {
  const t = sql.ref(table)
  const col = (name: string) => sql.ref(`${table}.${name}`)
  return sql<string>`json_build_object(
    'sensor_id', ${t}.sensor_id, 'size', ${t}.size,
    'window_start', ${isoText(col('window_start'))}, 'window_end', ${isoText(col('window_end'))},
    'count', ${t}.count, 'min', ${t}.min, 'max', ${t}.max, 'sum', ${t}.sum,
    'mean', ${t}.sum / ${t}.count, 'stddev', ${stddevOf(table)},
    'first', json_build_object('ts', ${isoText(col('first_ts'))}, 'value', ${t}.first_value),
    'last', json_build_object('ts', ${isoText(col('last_ts'))}, 'value', ${t}.last_value),
    'final', true, 'revision', ${t}.revision, 'correction', ${t}.revision > 0)::text`
}
