import { sql, type Transaction } from 'kysely'
import { scalarArray, textArray } from '../../storage/pg-array.ts'
import type { Schema } from '../../storage/schema.ts'
import type { AlertKind, AlertRule, AlertState, AlertTransition } from './alert-rules.ts'
import { isoText } from './window-sql.ts'

const toMs = (value: unknown) => (value === null || value === undefined ? undefined : Number(value))
const fromMs = (ms: number | undefined) => (ms === undefined ? null : ms)

/** Rules, per-sensor evaluation state and transitions; state and transitions change in the batch's transaction. */
export class AlertsRepository {
  /** Read inside the caller's transaction: PGlite has one connection, which the transaction holds. */
  async rules(trx: Transaction<Schema>): Promise<AlertRule[]> {
    const { rows } = await sql<{
      sensor_id: string | null
      min_temperature: number | null
      max_temperature: number | null
      consecutive: number
      window_size: string | null
      mean_above: number | null
      mean_below: number | null
    }>`SELECT sensor_id, min_temperature, max_temperature, consecutive, window_size, mean_above, mean_below
       FROM alert_rules ORDER BY id`.execute(trx)
    return rows.map((row) => ({
      sensorId: row.sensor_id,
      minTemperature: row.min_temperature,
      maxTemperature: row.max_temperature,
      consecutive: row.consecutive,
      windowSize: row.window_size,
      meanAbove: row.mean_above,
      meanBelow: row.mean_below,
    }))
  }

  /**
   * The state of each (sensor, kind) asked for; a missing one starts empty. With `newestOf` (a
   * window size), a state's `lastMs` is at least the newest reading merged into the sensor's
   * windows of that size: the evaluator does not store a state that stayed clean (no breach, no
   * alert) only to move its `lastMs`, so the windows carry it. Read before the batch merges.
   */
  async states(
    trx: Transaction<Schema>,
    keys: ReadonlyArray<{ sensorId: string; kind: AlertKind }>,
    newestOf?: string,
  ): Promise<Map<string, AlertState>> {
    const found = new Map<string, AlertState>()
    if (keys.length === 0) return found
    const { rows } = await sql<{
      sensor_id: string
      kind: AlertKind
      breaches: number | null
      last_ms: number | null
      open_ms: number | null
      newest_ms: number | null
    }>`
      SELECT k.sensor_id, k.kind, s.breaches, extract(epoch FROM s.last_ts) * 1000 AS last_ms,
        extract(epoch FROM s.open_since) * 1000 AS open_ms, w.newest_ms
      FROM unnest(${textArray(keys.map((k) => k.sensorId))}::text[], ${textArray(keys.map((k) => k.kind))}::text[])
        AS k(sensor_id, kind)
      LEFT JOIN alert_state s ON s.sensor_id = k.sensor_id AND s.kind = k.kind
      LEFT JOIN LATERAL (
        SELECT extract(epoch FROM w.last_ts) * 1000 AS newest_ms FROM measurement_windows w
        WHERE ${newestOf ?? null}::text IS NOT NULL AND w.sensor_id = k.sensor_id AND w.size = ${newestOf ?? null}::text
        ORDER BY w.window_start DESC LIMIT 1
      ) AS w ON true
      WHERE s.sensor_id IS NOT NULL OR w.newest_ms IS NOT NULL`.execute(trx)
    for (const row of rows) {
      const stored = toMs(row.last_ms)
      const newest = toMs(row.newest_ms)
      found.set(stateKey(row.sensor_id, row.kind), {
        sensorId: row.sensor_id,
        kind: row.kind,
        breaches: row.breaches ?? 0,
        lastMs: stored === undefined || (newest !== undefined && newest > stored) ? newest : stored,
        openSinceMs: toMs(row.open_ms),
      })
    }
    for (const { sensorId, kind } of keys) {
      const key = stateKey(sensorId, kind)
      if (!found.has(key))
        found.set(key, { sensorId, kind, breaches: 0, lastMs: undefined, openSinceMs: undefined })
    }
    return found
  }

  /**
   * Which of `sensorIds` have a stored state of `kind` that is not clean: breaches counting, or
   * an alert open. Read inside the batch's transaction, like `states`.
   */
  async uncleanStates(
    trx: Transaction<Schema>,
    sensorIds: readonly string[],
    kind: AlertKind,
  ): Promise<string[]> {
    const { rows } = await sql<{ sensor_id: string }>`
      SELECT sensor_id FROM alert_state
      WHERE kind = ${kind} AND sensor_id = ANY(${textArray(sensorIds)}::text[])
        AND (breaches > 0 OR open_since IS NOT NULL)`.execute(trx)
    return rows.map((row) => row.sensor_id)
  }

  /**
   * Stores the states and the transitions, and queues one event per transition, in one statement.
   * The unique key on (sensor, kind, state, opened_at) makes a second copy of a transition fail
   * the transaction instead of being stored.
   */
  async save(
    trx: Transaction<Schema>,
    states: readonly AlertState[],
    transitions: readonly AlertTransition[],
    alertsTopic: string,
  ): Promise<void> {
    if (states.length === 0) return
    const t = transitions
    await sql`
      WITH state AS (
        INSERT INTO alert_state AS a (sensor_id, kind, breaches, last_ts, open_since)
        SELECT sensor_id, kind, breaches, to_timestamp(last_ms / 1000), to_timestamp(open_ms / 1000)
        FROM unnest(${textArray(states.map((s) => s.sensorId))}::text[], ${textArray(states.map((s) => s.kind))}::text[],
          ${scalarArray(states.map((s) => s.breaches))}::int4[], ${scalarArray(states.map((s) => fromMs(s.lastMs)))}::float8[],
          ${scalarArray(states.map((s) => fromMs(s.openSinceMs)))}::float8[]) AS s(sensor_id, kind, breaches, last_ms, open_ms)
        ORDER BY sensor_id, kind
        ON CONFLICT (sensor_id, kind) DO UPDATE SET breaches = excluded.breaches, last_ts = excluded.last_ts,
          open_since = excluded.open_since
      ), stored AS (
        INSERT INTO alerts (sensor_id, kind, state, at, opened_at, value, reason)
        SELECT sensor_id, kind, state, to_timestamp(at_ms / 1000), to_timestamp(opened_ms / 1000), value, reason
        FROM unnest(${t.map((x) => x.sensorId)}::text[], ${t.map((x) => x.kind)}::text[],
          ${t.map((x) => x.state)}::text[], ${t.map((x) => x.atMs)}::float8[], ${t.map((x) => x.openedAtMs)}::float8[],
          ${t.map((x) => x.value)}::float8[], ${t.map((x) => x.reason)}::text[])
          WITH ORDINALITY AS x(sensor_id, kind, state, at_ms, opened_ms, value, reason, ord)
        ORDER BY ord
        RETURNING *
      )
      INSERT INTO stream_outbox (topic, key, value)
      SELECT ${alertsTopic}, stored.sensor_id, json_build_object('sensor_id', stored.sensor_id, 'kind', stored.kind,
        'state', stored.state, 'at', ${isoText(sql.ref('stored.at'))}, 'opened_at', ${isoText(sql.ref('stored.opened_at'))},
        'value', stored.value, 'reason', stored.reason)::text
      FROM stored ORDER BY stored.id`.execute(trx)
  }
}

export const stateKey = (sensorId: string, kind: AlertKind) => `${kind}\u0000${sensorId}`
