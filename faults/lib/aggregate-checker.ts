import { setTimeout as sleep } from 'node:timers/promises'
import type { Kysely } from 'kysely'
import { compareWindows, query } from '../../harness/index.ts'
import { parseWindowSpec } from '../../src/domain/window-spec.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { AGGREGATE_FLAGS, PARTITIONS, type ScenarioRun } from './scenario-run.ts'

/** Readings the aggregator recorded as merged: one offset each in their sensor's minute row. */
const MERGED = 'SELECT coalesce(sum(cardinality(offsets)), 0) AS n FROM aggregated_minutes'

const count = async (url: string, sql: string) => Number((await query<{ n: string }>(url, sql))[0]?.n ?? 0)

/** Copies beyond the first of each key. */
function copiesOf(keys: readonly string[]): { copies: number; examples: string[] } {
  const seen = new Set<string>()
  const examples: string[] = []
  let copies = 0
  for (const key of keys) {
    if (!seen.has(key)) {
      seen.add(key)
      continue
    }
    copies += 1
    if (examples.length < 3) examples.push(key)
  }
  return { copies, examples }
}

/**
 * The aggregator's promises after a fault: once the load stopped and the aggregator caught up,
 * `measurement_windows` equals the GROUP BY over `measurements` for every size, every final
 * window revision was published (none missing, copies counted), and no alert transition is
 * stored or published twice. Call it at the end of a scenario's `run`.
 */
export async function checkAggregates(run: ScenarioRun): Promise<void> {
  await run.stopLoads()
  const url = run.databaseUrl
  const settleMs = run.short ? 120_000 : 240_000
  const started = Date.now()
  let stored = -1
  let merged = -2
  let open = -1
  while (Date.now() - started < settleMs) {
    stored = await count(url, 'SELECT count(*) AS n FROM measurements').catch(() => -1)
    merged = await count(url, MERGED).catch(() => -2)
    open = await count(url, 'SELECT count(*) AS n FROM measurement_windows WHERE NOT final').catch(() => -1)
    // The saver may still be storing: equal twice in a row, with every window closed by the idle watermark.
    if (stored === merged && open === 0) {
      await sleep(3000)
      const again = await count(url, 'SELECT count(*) AS n FROM measurements')
      if (again === stored && (await count(url, MERGED)) === again) break
    }
    await sleep(1000)
  }
  run.check(
    'the aggregator merged every stored reading once and closed every window',
    stored === merged && open === 0,
    `${stored} readings in measurements, ${merged} merged, ${open} windows still open, after ${Date.now() - started} ms`,
  )

  const storage = new PostgresStorage({ connectionString: url })
  try {
    for (const label of AGGREGATE_FLAGS.windows.split(',')) {
      const { expected, mismatches } = await compareWindows(
        storage.db as unknown as Kysely<unknown>,
        parseWindowSpec(label),
      )
      run.check(
        `${label} windows equal the GROUP BY over measurements`,
        expected > 0 && mismatches.length === 0,
        `${expected} windows compared field by field, ${mismatches.length} differ${mismatches.length ? `: ${JSON.stringify(mismatches.slice(0, 2))}` : ''}`,
      )
    }
  } finally {
    await storage.close()
  }

  const windowEvents = await run.probe.readAll(`${run.topic}-windows`, PARTITIONS)
  const eventKeys = windowEvents.map((record) => {
    const event = JSON.parse(record.value) as Record<string, unknown>
    return `${event.sensor_id}|${event.size}|${event.window_start}|${event.revision}`
  })
  const expectedEvents = await count(
    url,
    'SELECT count(*) + coalesce(sum(revision), 0) AS n FROM measurement_windows',
  )
  const windowCopies = copiesOf(eventKeys)
  const distinct = new Set(eventKeys).size
  run.metrics.windowEvents = {
    published: eventKeys.length,
    distinct,
    expected: expectedEvents,
    ...windowCopies,
  }
  run.check(
    'every window revision published final, none missing',
    distinct === expectedEvents,
    `${distinct} distinct window revisions published, ${expectedEvents} expected (windows + corrections)`,
  )
  run.check(
    'each window revision published exactly once',
    windowCopies.copies === 0,
    `${windowCopies.copies} copies${windowCopies.examples.length ? ` (e.g. ${windowCopies.examples.join(', ')})` : ''}`,
  )

  const alertRows = await query<{ key: string }>(
    url,
    `SELECT sensor_id || '|' || kind || '|' || opened_at::text || '|' || state AS key FROM alerts`,
  )
  const alertEvents = await run.probe.readAll(`${run.topic}-alerts`, PARTITIONS)
  const alertKeys = alertEvents.map((record) => {
    const event = JSON.parse(record.value) as Record<string, unknown>
    return `${event.sensor_id}|${event.kind}|${event.opened_at}|${event.state}`
  })
  const alertCopies = copiesOf(alertKeys)
  run.metrics.alerts = { rows: alertRows.length, events: alertKeys.length, ...alertCopies }
  run.check(
    'no alert transition duplicated',
    alertCopies.copies === 0 && new Set(alertKeys).size === alertRows.length,
    `${alertRows.length} transitions stored (unique by construction), ${alertKeys.length} published, ${alertCopies.copies} copies`,
  )
  run.check('the load raised alerts', alertRows.length > 0, `${alertRows.length} alert transitions`, true)
}

/** Alerts in every run: the fault load's temperatures span −10 to 50 °C; above 40 twice in a row opens one. */
export async function tightenAlertRule(run: ScenarioRun): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const rows = await query<{ id: number }>(
        run.databaseUrl,
        'UPDATE alert_rules SET max_temperature = 40, consecutive = 2 WHERE sensor_id IS NULL RETURNING id',
      )
      if (rows.length === 1) {
        run.event('alert rule', 'global default: above 40 °C twice in a row')
        return
      }
    } catch (error) {
      if (attempt >= 50) throw error
    }
    if (attempt >= 50) throw new Error('the global alert rule was not found')
    await sleep(200) // the aggregator may not have migrated yet
  }
}
