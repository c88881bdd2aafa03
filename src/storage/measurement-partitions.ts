import { type Kysely, sql, type Transaction } from 'kysely'
import type { Schema } from './schema.ts'

export const DAY_MS = 86_400_000
const NAME = /^measurements_p(\d{4})(\d{2})(\d{2})$/
/** Any constant shared by every process that maintains partitions, so only one works at a time. */
const MAINTENANCE_LOCK = 0x464c_0004

export interface PartitionPolicy {
  /** Days after today (UTC) that must have a partition; today and yesterday always do. */
  readonly daysAhead: number
  /** Whole days of measurements to keep; 0 keeps everything. */
  readonly retentionDays: number
}

export interface MaintenanceResult {
  readonly created: readonly string[]
  readonly dropped: readonly string[]
  /** Rows moved out of the default partition into a partition created for their day. */
  readonly moved: number
  /** Rows older than the retention deleted from the default partition. */
  readonly expired: number
  /** False when another process held the maintenance lock, so this one did nothing. */
  readonly ran: boolean
}

export interface DayPartition {
  readonly name: string
  readonly dayMs: number
}

/** `measurements_p20261202` for the UTC day that starts at `dayMs`. */
export function partitionName(dayMs: number): string {
  return `measurements_p${new Date(dayMs).toISOString().slice(0, 10).replaceAll('-', '')}`
}

export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS
}

/** The day partitions of `measurements`, oldest first (the default partition is not listed). */
export async function listDayPartitions(db: Kysely<Schema> | Transaction<Schema>): Promise<DayPartition[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'measurements'::regclass`.execute(db)
  const partitions: DayPartition[] = []
  for (const { name } of rows) {
    const match = NAME.exec(name)
    if (match)
      partitions.push({ name, dayMs: Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) })
  }
  return partitions.sort((a, b) => a.dayMs - b.dayMs)
}

/**
 * Adds the partition of one day. Rows of that day may already sit in the default partition
 * (PostgreSQL then refuses `CREATE TABLE ... PARTITION OF`), so the table is built on its own,
 * those rows are moved into it and it is attached, in one transaction: no row is lost or seen
 * twice. ATTACH takes a lighter lock on the parent than CREATE ... PARTITION OF, so savers keep
 * inserting into the other partitions meanwhile. Returns the rows moved.
 */
async function addDayPartition(trx: Transaction<Schema>, dayMs: number): Promise<number> {
  const name = sql.id(partitionName(dayMs))
  const from = sql.lit(new Date(dayMs).toISOString())
  const to = sql.lit(new Date(dayMs + DAY_MS).toISOString())
  // Without INCLUDING IDENTITY: the partition takes its ids from the parent's sequence.
  await sql`CREATE TABLE ${name} (LIKE measurements INCLUDING DEFAULTS)`.execute(trx)
  const moved = await sql`
    WITH moved AS (
      DELETE FROM measurements_default WHERE ts >= ${from}::timestamptz AND ts < ${to}::timestamptz RETURNING *
    )
    INSERT INTO ${name} SELECT * FROM moved`.execute(trx)
  await sql`ALTER TABLE measurements ATTACH PARTITION ${name} FOR VALUES FROM (${from}) TO (${to})`.execute(
    trx,
  )
  return Number(moved.numAffectedRows ?? 0n)
}

/**
 * Creates the partitions from yesterday to `daysAhead` days after today and drops those wholly
 * older than the retention. Safe to run from several savers at once: one takes the advisory lock
 * and the others return with `ran: false`. DDL waits at most 5 s for a lock, so a long query on
 * the table delays the next run rather than stalling inserts behind the waiting DDL.
 */
export async function maintainPartitions(
  db: Kysely<Schema>,
  policy: PartitionPolicy,
  nowMs = Date.now(),
): Promise<MaintenanceResult> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ locked: boolean }>`
      SELECT pg_try_advisory_xact_lock(${MAINTENANCE_LOCK}) AS locked`.execute(trx)
    if (!rows[0]?.locked) return { created: [], dropped: [], moved: 0, expired: 0, ran: false }
    await sql`SET LOCAL lock_timeout = '5s'`.execute(trx)
    const existing = new Set((await listDayPartitions(trx)).map((partition) => partition.dayMs))
    const today = startOfDay(nowMs)
    const created: string[] = []
    let moved = 0
    for (let day = today - DAY_MS; day <= today + policy.daysAhead * DAY_MS; day += DAY_MS) {
      if (existing.has(day)) continue
      moved += await addDayPartition(trx, day)
      created.push(partitionName(day))
    }
    const dropped: string[] = []
    let expired = 0
    if (policy.retentionDays > 0) {
      const cutoff = today - policy.retentionDays * DAY_MS
      for (const dayMs of existing) {
        if (dayMs + DAY_MS > cutoff) continue
        await sql`DROP TABLE ${sql.id(partitionName(dayMs))}`.execute(trx)
        dropped.push(partitionName(dayMs))
      }
      const deleted = await sql`
        DELETE FROM measurements_default WHERE ts < ${new Date(cutoff).toISOString()}::timestamptz`.execute(
        trx,
      )
      expired = Number(deleted.numAffectedRows ?? 0n)
    }
    return { created, dropped: dropped.sort(), moved, expired, ran: true }
  })
}
