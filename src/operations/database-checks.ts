import { sql } from 'kysely'
import { DAY_MS, listDayPartitions, startOfDay } from '../storage/measurement-partitions.ts'
import { pendingMigrations } from '../storage/migrations/index.ts'
import type { Storage } from '../storage/storage.ts'
import { collationAdvice, textCollation } from '../storage/text-collation.ts'
import { type CheckResult, fail, ok, reason, skewCheck, warn } from './check.ts'

/** Connectivity, clock, migrations and partitions of the database. */
export async function checkDatabase(
  storage: Storage,
  label: string,
  daysAhead: number,
  nowMs = Date.now,
): Promise<CheckResult[]> {
  let server: { version: string; ms: number }
  let sentMs = 0
  try {
    // The first statement opens the connection; the clock is read on the second, one round trip.
    await sql`SELECT 1`.execute(storage.db)
    sentMs = nowMs()
    const { rows } = await sql<{ version: string; ms: number }>`
      SELECT current_setting('server_version') AS version,
             (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms`.execute(storage.db)
    server = { version: rows[0]?.version ?? '?', ms: Number(rows[0]?.ms) }
  } catch (error) {
    return [fail(label, `unreachable: ${reason(error)}`)]
  }
  const results = [ok(label, `reachable, PostgreSQL ${server.version} (${storage.name})`)]
  if (storage.capabilities.concurrentConnections) {
    results.push(skewCheck(`${label} clock`, server.ms, sentMs, nowMs()))
  }
  const collation = await textCollation(storage.db)
  const advice = collationAdvice(collation)
  results.push(
    advice
      ? warn(`${label} collation`, advice)
      : ok(`${label} collation`, `${collation.name} (${collation.provider}): text compared bytewise`),
  )
  const pending = await pendingMigrations(storage.db as never)
  if (pending.length > 0) {
    results.push(
      fail('migrations', `${pending.length} pending (${pending.join(', ')}): run \`flowline migrate\``),
    )
    return results
  }
  results.push(ok('migrations', 'all applied'))
  results.push(await checkPartitions(storage, daysAhead, nowMs()))
  return results
}

async function checkPartitions(storage: Storage, daysAhead: number, nowMs: number): Promise<CheckResult> {
  const days = new Set((await listDayPartitions(storage.db)).map((partition) => partition.dayMs))
  const today = startOfDay(nowMs)
  const missing: string[] = []
  for (let day = today; day <= today + daysAhead * DAY_MS; day += DAY_MS) {
    if (!days.has(day)) missing.push(new Date(day).toISOString().slice(0, 10))
  }
  const { rows } = await sql<{
    n: number
  }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM measurements_default LIMIT 100001) AS d`.execute(
    storage.db,
  )
  const inDefault = rows[0]?.n ?? 0
  const summary = `${days.size} daily partitions; ${inDefault > 100_000 ? 'over 100000' : inDefault} rows in the default partition`
  if (missing.length > 0) {
    return warn(
      'partitions',
      `${summary}; missing ${missing.join(', ')} (a running saver creates them within the hour; or run \`flowline migrate\`)`,
    )
  }
  return ok('partitions', `${summary}; today to ${daysAhead} days ahead ready`)
}
