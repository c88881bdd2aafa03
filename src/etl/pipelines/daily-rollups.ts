import { type Static, Type } from '@sinclair/typebox'
import { sql } from 'kysely'
import { FlowlineError } from '../../errors.ts'
import { definePipeline, type RunContext } from '../pipeline.ts'

const DAY_MS = 86_400_000
/** A backfill covers at most ten years: a typo in a year should not queue a century of days. */
const MAX_DAYS = 3660

const day = (description: string) =>
  Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description }))

const Params = Type.Object({
  from: day('a UTC day, YYYY-MM-DD (default: yesterday)'),
  to: day('a UTC day, YYYY-MM-DD, included (default: from)'),
})
type RollupParams = Static<typeof Params>

/**
 * Per sensor and per site (the registry's), per UTC day: count, min, max, mean, p50 and p95 of
 * the temperatures into `daily_rollups`. Any date range can be recomputed (a backfill): each day
 * is one statement in its own transaction, progress counts days, and a cancel lands between two.
 *
 * Idempotent: a row is written only when its values changed (so `computed_at` says when), and a
 * row whose sensor or site has no reading that day any more is removed. Re-running a range gives
 * identical rows.
 */
export const dailyRollups = definePipeline({
  name: 'daily-rollups',
  description: 'per sensor and per site, per UTC day: count, min, max, mean, p50, p95 (any date range)',
  params: Params,
  retry: { limit: 3, delaySeconds: 10, backoff: true },
  concurrency: 1,
  progressUnit: 'days',
  timeoutSeconds: 6 * 3600,
  steps: [{ name: 'compute-days', run: computeDays }],
})

/** The days of a run, as epoch milliseconds of their UTC midnight. */
export function rollupDays(params: RollupParams, nowMs = Date.now()): number[] {
  const yesterday = Math.floor(nowMs / DAY_MS) * DAY_MS - DAY_MS
  const from = params.from === undefined ? yesterday : parseDay('from', params.from)
  const to = params.to === undefined ? from : parseDay('to', params.to)
  if (to < from)
    throw new FlowlineError('VALIDATION_FAILED', `to: ${params.to} is before from ${params.from}`)
  const count = (to - from) / DAY_MS + 1
  if (count > MAX_DAYS)
    throw new FlowlineError('VALIDATION_FAILED', `from..to: ${count} days, at most ${MAX_DAYS} per run`)
  return Array.from({ length: count }, (_, i) => from + i * DAY_MS)
}

function parseDay(name: string, value: string): number {
  const ms = Date.parse(`${value}T00:00:00Z`)
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value)
    throw new FlowlineError('VALIDATION_FAILED', `${name}: "${value}" is not a calendar day`)
  return ms
}

async function computeDays(context: RunContext<RollupParams>): Promise<void> {
  const days = rollupDays(context.params)
  const { counts } = context
  context.progress(0, days.length)
  for (const [index, dayMs] of days.entries()) {
    context.signal.throwIfAborted()
    const result = await computeDay(context, dayMs)
    counts.read += result.readings
    counts.valid += result.rows
    counts.loaded += result.written
    counts.duplicates += result.rows - result.written
    context.progress(index + 1, days.length)
    if (result.written > 0 || result.removed > 0)
      context.log(
        `${new Date(dayMs).toISOString().slice(0, 10)}: ${result.readings} readings, ${result.rows} rollups (${result.written} written, ${result.removed} removed)`,
      )
  }
  context.log(
    `${days.length} days: ${counts.valid} rollups, ${counts.loaded} written, ${counts.duplicates} unchanged`,
  )
}

interface DayResult {
  readings: number
  rows: number
  written: number
  removed: number
}

async function computeDay(context: RunContext<RollupParams>, dayMs: number): Promise<DayResult> {
  const start = new Date(dayMs).toISOString()
  const end = new Date(dayMs + DAY_MS).toISOString()
  const dayText = start.slice(0, 10)
  const { rows } = await sql<{ readings: number; rows: number; written: number; removed: number }>`
    WITH day_readings AS (
      SELECT m.sensor_id, m.temperature, r.site
      FROM measurements m LEFT JOIN sensor_registry r USING (sensor_id)
      WHERE m.ts >= ${start}::timestamptz AND m.ts < ${end}::timestamptz
    ), computed AS (
      SELECT 'sensor' AS scope, sensor_id AS key, count(*) AS count, min(temperature) AS min,
             max(temperature) AS max, avg(temperature) AS mean,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY temperature) AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY temperature) AS p95
      FROM day_readings GROUP BY sensor_id
      UNION ALL
      SELECT 'site', site, count(*), min(temperature), max(temperature), avg(temperature),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY temperature),
             percentile_cont(0.95) WITHIN GROUP (ORDER BY temperature)
      FROM day_readings WHERE site IS NOT NULL GROUP BY site
    ), written AS (
      INSERT INTO daily_rollups AS d (scope, key, day, count, min, max, mean, p50, p95, computed_at)
      SELECT scope, key, ${dayText}::date, count, min, max, mean, p50, p95, now() FROM computed
      ORDER BY scope, key
      ON CONFLICT (scope, key, day) DO UPDATE SET
        count = excluded.count, min = excluded.min, max = excluded.max, mean = excluded.mean,
        p50 = excluded.p50, p95 = excluded.p95, computed_at = excluded.computed_at
      WHERE (d.count, d.min, d.max, d.mean, d.p50, d.p95)
            IS DISTINCT FROM (excluded.count, excluded.min, excluded.max, excluded.mean, excluded.p50, excluded.p95)
      RETURNING 1
    ), removed AS (
      DELETE FROM daily_rollups d
      WHERE d.day = ${dayText}::date
        AND NOT EXISTS (SELECT 1 FROM computed c WHERE c.scope = d.scope AND c.key = d.key)
      RETURNING 1
    )
    SELECT (SELECT coalesce(sum(count), 0)::int FROM computed WHERE scope = 'sensor') AS readings,
           (SELECT count(*)::int FROM computed) AS rows,
           (SELECT count(*)::int FROM written) AS written,
           (SELECT count(*)::int FROM removed) AS removed`.execute(context.storage.db)
  const row = rows[0]
  return {
    readings: row?.readings ?? 0,
    rows: row?.rows ?? 0,
    written: row?.written ?? 0,
    removed: row?.removed ?? 0,
  }
}
