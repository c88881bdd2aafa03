import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { query } from '../../harness/index.ts'
import { type History, keyOf, type Measurement, type OutcomeCounts } from './history.ts'
import type { OrderVerdict } from './order-checker.ts'

/** What the history says about one measurement over every request that carried it. */
interface KeyState {
  readonly measurement: Measurement
  ok: boolean
  unknown: boolean
}

export interface Verdict {
  /** Requests by outcome (every copy of a retried request counts). */
  readonly requests: OutcomeCounts
  /** Measurements by what the client knows: ok if any request carrying it got 202, rejected if all got a 4xx. */
  readonly measurements: OutcomeCounts & { unknownStored: number }
  readonly rows: number
  /** Acknowledged (202) but not stored. */
  readonly lost: number
  /** Refused (4xx on every try) but stored. */
  readonly phantom: number
  /** More than one row for one (sensor_id, ts). */
  readonly duplicated: number
  /** Rows of the load's sensors that the harness never sent. */
  readonly unexpected: number
  /** Rows of other sensors (fuzzing): not compared with the history. */
  readonly foreign: number
  /** Stored with another temperature than the one sent. */
  readonly valueMismatch: number
  /** Requests with an invalid item that were answered 202. */
  readonly invalidAccepted: number
  /** Sensors whose summary row disagrees with their measurements. */
  readonly summaryMismatch: number
  readonly samples: Record<string, string[]>
}

function classify(history: History): Map<string, KeyState> {
  const keys = new Map<string, KeyState>()
  for (const record of history.records) {
    for (const measurement of record.items) {
      const key = keyOf(measurement.sensor, measurement.tsMs)
      let state = keys.get(key)
      if (!state) {
        state = { measurement, ok: false, unknown: false }
        keys.set(key, state)
      }
      if (record.outcome === 'ok') state.ok = true
      if (record.outcome === 'unknown') state.unknown = true
    }
  }
  return keys
}

/** The measurements acknowledged with 202 so far. */
export function acknowledged(history: History): Measurement[] {
  return [...classify(history).values()].filter((state) => state.ok).map((state) => state.measurement)
}

/**
 * Waits until every measurement of `expected` is stored and returns how long that took, or
 * null after `timeoutMs`. The keys go to a temporary table once; each poll is one indexed join.
 * Survives a server restart: it reconnects and loads the table again.
 */
export async function waitUntilStored(
  url: string,
  expected: readonly Measurement[],
  timeoutMs: number,
  pollMs = 500,
): Promise<{ elapsedMs: number | null; missing: number }> {
  const started = Date.now()
  let missing = expected.length
  let client: pg.Client | undefined
  while (Date.now() - started < timeoutMs) {
    try {
      if (!client) {
        client = new pg.Client({
          connectionString: url,
          connectionTimeoutMillis: 3000,
          query_timeout: 30_000,
        })
        client.on('error', () => {})
        await client.connect()
        await client.query('CREATE TEMP TABLE expected (sensor_id text NOT NULL, ts timestamptz NOT NULL)')
        for (let from = 0; from < expected.length; from += 20_000) {
          const chunk = expected.slice(from, from + 20_000)
          await client.query('INSERT INTO expected SELECT * FROM unnest($1::text[], $2::timestamptz[])', [
            chunk.map((m) => m.sensor),
            chunk.map((m) => new Date(m.tsMs).toISOString()),
          ])
        }
        await client.query('ANALYZE expected')
      }
      const result = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM expected e WHERE NOT EXISTS (SELECT 1 FROM measurements m WHERE m.sensor_id = e.sensor_id AND m.ts = e.ts)',
      )
      missing = Number(result.rows[0]?.n ?? expected.length)
      if (missing === 0) {
        await client.end().catch(() => {})
        return { elapsedMs: Date.now() - started, missing: 0 }
      }
    } catch {
      await client?.end().catch(() => {})
      client = undefined
    }
    await sleep(pollMs)
  }
  await client?.end().catch(() => {})
  return { elapsedMs: null, missing }
}

export interface StoredRow {
  id: string
  sensor_id: string
  ms: number
  temperature: number
}

/** Every row of the scenario's database, in insertion (id) order. */
export function storedRows(url: string): Promise<StoredRow[]> {
  return query<StoredRow>(
    url,
    'SELECT id, sensor_id, (extract(epoch FROM ts) * 1000)::float8 AS ms, temperature FROM measurements ORDER BY id',
  )
}

/** Compares the history with the table: lost, phantom, duplicated, and the sensors summary. */
export async function checkStored(
  url: string,
  history: History,
  rows: readonly StoredRow[],
  sensorPrefix: string,
): Promise<Verdict> {
  const keys = classify(history)
  const samples: Record<string, string[]> = {}
  const note = (kind: string, text: string) => {
    samples[kind] ??= []
    if ((samples[kind]?.length ?? 0) < 5) samples[kind]?.push(text)
  }
  const counts = new Map<string, number>()
  let unexpected = 0
  let foreign = 0
  let valueMismatch = 0
  for (const row of rows) {
    if (!row.sensor_id.startsWith(`${sensorPrefix}-`)) {
      foreign += 1
      continue
    }
    const key = keyOf(row.sensor_id, row.ms)
    counts.set(key, (counts.get(key) ?? 0) + 1)
    const state = keys.get(key)
    if (!state) {
      unexpected += 1
      note('unexpected', key)
    } else if (Math.abs(state.measurement.temperature - row.temperature) > 1e-9) {
      valueMismatch += 1
      note('valueMismatch', `${key}: sent ${state.measurement.temperature}, stored ${row.temperature}`)
    }
  }
  const measurements = { ok: 0, rejected: 0, unknown: 0, unknownStored: 0 }
  let lost = 0
  let phantom = 0
  for (const [key, state] of keys) {
    const stored = counts.has(key)
    if (state.ok) {
      measurements.ok += 1
      if (!stored) {
        lost += 1
        note('lost', key)
      }
    } else if (state.unknown) {
      measurements.unknown += 1
      if (stored) measurements.unknownStored += 1
    } else {
      measurements.rejected += 1
      if (stored) {
        phantom += 1
        note('phantom', key)
      }
    }
  }
  let duplicated = 0
  for (const [key, n] of counts) {
    if (n > 1) {
      duplicated += n - 1
      note('duplicated', `${key} x${n}`)
    }
  }
  const invalidAccepted = history.records.filter((record) => record.invalid && record.outcome === 'ok').length
  const summary = await query<{ sensor_id: string; problem: string }>(
    url,
    `SELECT coalesce(s.sensor_id, m.sensor_id) AS sensor_id,
            format('summary count=%s first=%s last=%s last_temp=%s; rows count=%s first=%s last=%s last_temp=%s',
                   s.measurement_count, s.first_seen, s.last_seen, s.last_temperature, m.n, m.first_ts, m.last_ts, m.last_temperature) AS problem
     FROM sensor_summaries s
     FULL JOIN (SELECT sensor_id, count(*) AS n, min(ts) AS first_ts, max(ts) AS last_ts,
                       (array_agg(temperature ORDER BY ts DESC))[1] AS last_temperature
                FROM measurements GROUP BY sensor_id) m ON m.sensor_id = s.sensor_id
     WHERE s.measurement_count IS DISTINCT FROM m.n OR s.first_seen IS DISTINCT FROM m.first_ts
        OR s.last_seen IS DISTINCT FROM m.last_ts OR s.last_temperature IS DISTINCT FROM m.last_temperature`,
  )
  for (const row of summary) note('summaryMismatch', `${row.sensor_id}: ${row.problem}`)
  return {
    requests: history.requestCounts(),
    measurements,
    rows: rows.length,
    lost,
    phantom,
    duplicated,
    unexpected,
    foreign,
    valueMismatch,
    invalidAccepted,
    summaryMismatch: summary.length,
    samples,
  }
}

/** What the verdicts found wrong, one line per kind with examples; empty when all is well. */
export function verdictFailures(verdict: Verdict | null, order: OrderVerdict | null): string[] {
  const failures: string[] = []
  if (verdict) {
    const kinds = [
      'lost',
      'phantom',
      'duplicated',
      'unexpected',
      'valueMismatch',
      'invalidAccepted',
      'summaryMismatch',
    ] as const
    for (const kind of kinds) {
      if (verdict[kind] > 0)
        failures.push(`${kind}: ${verdict[kind]} (${(verdict.samples[kind] ?? []).join('; ')})`)
    }
  }
  if (order && order.violations > 0)
    failures.push(`order violations: ${order.violations} (${order.samples.join('; ')})`)
  if (order && order.inKafkaNotStored > 0) failures.push(`in Kafka but not stored: ${order.inKafkaNotStored}`)
  return failures
}
