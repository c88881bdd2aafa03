import { type Kysely, type Selectable, sql, type Transaction } from 'kysely'
import { type AuditEntry, audit } from '../auth/audit-log.ts'
import { textArray } from '../storage/pg-array.ts'
import type { Schema, SensorRegistryTable, SensorStatus } from '../storage/schema.ts'

export type RegistryRow = Selectable<SensorRegistryTable>

/** The alert rule of one sensor, as `alert_rules` holds it (the aggregator reads it from there). */
export interface Thresholds {
  readonly min_temperature?: number | null
  readonly max_temperature?: number | null
  readonly consecutive?: number
  readonly window_size?: string | null
  readonly mean_above?: number | null
  readonly mean_below?: number | null
}

/** The fields a client may write; absent leaves a field as it is, null clears it. */
export interface SensorFields {
  readonly name?: string | null
  readonly description?: string | null
  readonly latitude?: number | null
  readonly longitude?: number | null
  readonly site?: string | null
  readonly unit?: string
  readonly tags?: readonly string[]
  readonly thresholds?: Thresholds | null
  readonly status?: SensorStatus
}

/** A registry entry joined with the statistics the saver keeps (null when never seen, or not registered). */
export interface SensorListing extends Partial<RegistryRow> {
  readonly sensor_id: string
  readonly measurement_count: string | number | bigint | null
  readonly first_seen: Date | null
  readonly last_seen: Date | null
  readonly last_temperature: number | null
}

export interface SensorFilters {
  readonly tag?: string
  readonly site?: string
  readonly status?: SensorStatus
  /** true: status active; false: any other status. */
  readonly active?: boolean
  /** Only sensors after this id (keyset paging in id order). */
  readonly after?: string
  readonly limit: number
}

/** What ingest needs to know about a sensor: may it send, and which tags its scope checks see. */
export interface SensorAdmission {
  readonly status: SensorStatus
  readonly tags: readonly string[]
}

/** Why a conditional change did not happen. */
export type ChangeOutcome =
  | { readonly row: RegistryRow }
  | { readonly missing: true }
  | { readonly stale: RegistryRow }

/**
 * The sensor registry in `sensor_registry`, apart from the saver's `sensor_summaries` statistics (the two
 * join on sensor_id). Every write bumps `version` (the ETag), is audited, and keeps the sensor's
 * rule in `alert_rules` equal to its thresholds, in one transaction.
 */
export class RegistryRepository {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  async get(sensorId: string): Promise<SensorListing | undefined> {
    const [row] = await this.#listing(sql`coalesce(r.sensor_id, s.sensor_id) = ${sensorId}`, 1)
    return row
  }

  /**
   * Registered and seen sensors in id order. A filter on a registry field leaves out sensors that
   * are only seen (`--unknown-sensors accept`).
   */
  list(filters: SensorFilters): Promise<SensorListing[]> {
    const conditions = [sql`true`]
    if (filters.after !== undefined)
      conditions.push(sql`coalesce(r.sensor_id, s.sensor_id) > ${filters.after}`)
    if (filters.tag !== undefined) conditions.push(sql`r.tags @> ARRAY[${filters.tag}]::text[]`)
    if (filters.site !== undefined) conditions.push(sql`r.site = ${filters.site}`)
    if (filters.status !== undefined) conditions.push(sql`r.status = ${filters.status}`)
    if (filters.active !== undefined)
      conditions.push(filters.active ? sql`r.status = 'active'` : sql`r.status <> 'active'`)
    return this.#listing(sql.join(conditions, sql` AND `), filters.limit)
  }

  async #listing(where: ReturnType<typeof sql>, limit: number): Promise<SensorListing[]> {
    const { rows } = await sql<SensorListing>`
      SELECT r.*, coalesce(r.sensor_id, s.sensor_id) AS sensor_id,
             s.measurement_count, s.first_seen, s.last_seen, s.last_temperature
        FROM sensor_registry r FULL JOIN sensor_summaries s ON s.sensor_id = r.sensor_id
       WHERE ${where}
       ORDER BY coalesce(r.sensor_id, s.sensor_id)
       LIMIT ${limit}`.execute(this.#db)
    return rows
  }

  /** Creates an entry; undefined when the sensor is registered already. */
  async create(sensorId: string, fields: SensorFields, actor: string): Promise<RegistryRow | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('sensor_registry')
        .values({ sensor_id: sensorId, ...columns(fields) })
        .onConflict((oc) => oc.column('sensor_id').doNothing())
        .returningAll()
        .executeTakeFirst()
      if (!row) return undefined
      await syncAlertRule(trx, sensorId, fields.thresholds)
      await audit(trx, { actor, action: 'sensor.create', target: sensorId, detail: fields })
      return row
    })
  }

  /** Changes an entry if its version is still `ifVersion` (undefined: whatever it is). */
  async update(
    sensorId: string,
    fields: SensorFields,
    ifVersion: number | undefined,
    actor: string,
  ): Promise<ChangeOutcome> {
    return this.#db.transaction().execute(async (trx) => {
      const current = await locked(trx, sensorId)
      if (!current) return { missing: true }
      if (ifVersion !== undefined && current.version !== ifVersion) return { stale: current }
      const row = await trx
        .updateTable('sensor_registry')
        .set({ ...columns(fields), auto: false, version: current.version + 1, updated_at: new Date() })
        .where('sensor_id', '=', sensorId)
        .returningAll()
        .executeTakeFirstOrThrow()
      await syncAlertRule(trx, sensorId, fields.thresholds)
      await audit(trx, { actor, action: 'sensor.update', target: sensorId, detail: fields })
      return { row }
    })
  }

  async remove(sensorId: string, ifVersion: number | undefined, actor: string): Promise<ChangeOutcome> {
    return this.#db.transaction().execute(async (trx) => {
      const current = await locked(trx, sensorId)
      if (!current) return { missing: true }
      if (ifVersion !== undefined && current.version !== ifVersion) return { stale: current }
      await trx.deleteFrom('sensor_registry').where('sensor_id', '=', sensorId).execute()
      await syncAlertRule(trx, sensorId, null)
      await audit(trx, { actor, action: 'sensor.delete', target: sensorId } satisfies AuditEntry)
      return { row: current }
    })
  }

  /** Status and tags of the given sensors, for ingest; a sensor missing from the map is not registered. */
  async admissions(sensorIds: readonly string[]): Promise<Map<string, SensorAdmission>> {
    const rows = await this.#db
      .selectFrom('sensor_registry')
      .select(['sensor_id', 'status', 'tags'])
      .where('sensor_id', 'in', sensorIds)
      .execute()
    return new Map(rows.map((row) => [row.sensor_id, { status: row.status, tags: row.tags }]))
  }

  /**
   * A version of every sensor's admission: it differs whenever a sensor's status or tags changed,
   * or a sensor was registered or deleted, whoever made the change (no column is trusted to be
   * bumped: `updated_at` is the writer's clock and `version` is not touched by plain SQL). It is a
   * count and the XOR of a 64-bit hash of each row's (sensor_id, status, tags), seeded by the caller
   * so that sensor ids chosen by devices cannot be made to hide a change. One scan of the registry
   * (about 5 to 13 ms of PostgreSQL for 20,000 sensors, a quarter to a half of reading them by id).
   */
  async admissionsVersion(seed: string): Promise<string> {
    const { rows } = await sql<{ version: string }>`SELECT ${admissionsVersion(seed)} AS version
      FROM sensor_registry`.execute(this.#db)
    return rows[0]?.version ?? '0:0'
  }

  /** `admissions(sensorIds)` and `admissionsVersion(seed)` of the same snapshot (one statement). */
  async versionedAdmissions(
    sensorIds: readonly string[],
    seed: string,
  ): Promise<{ found: Map<string, SensorAdmission>; version: string }> {
    const { rows } = await sql<{
      version: string
      sensor_id: string | null
      status: SensorStatus | null
      tags: string[] | null
    }>`
      WITH v AS (SELECT ${admissionsVersion(seed)} AS version FROM sensor_registry)
      SELECT v.version, r.sensor_id, r.status, r.tags
        FROM v LEFT JOIN sensor_registry r ON r.sensor_id = ANY(${textArray(sensorIds)}::text[])`.execute(
      this.#db,
    )
    const found = new Map<string, SensorAdmission>()
    for (const row of rows)
      if (row.sensor_id !== null && row.status !== null)
        found.set(row.sensor_id, { status: row.status, tags: row.tags ?? [] })
    return { found, version: rows[0]?.version ?? '0:0' }
  }

  /** `--unknown-sensors register`: an `auto` entry for each sensor first seen at ingest, one statement. */
  async registerAuto(sensorIds: readonly string[]): Promise<void> {
    await sql`
      INSERT INTO sensor_registry (sensor_id, auto)
      SELECT unnest(${sensorIds as string[]}::text[]), true
      ON CONFLICT (sensor_id) DO NOTHING`.execute(this.#db)
  }
}

/** The aggregate of `admissionsVersion`, over `sensor_registry`. */
function admissionsVersion(seed: string) {
  return sql<string>`count(*)::text || ':' || coalesce(bit_xor(hash_record_extended((sensor_id, status, tags), ${seed}::bigint)), 0)::text`
}

function locked(trx: Transaction<Schema>, sensorId: string) {
  return trx
    .selectFrom('sensor_registry')
    .selectAll()
    .where('sensor_id', '=', sensorId)
    .forUpdate()
    .executeTakeFirst()
}

function columns(fields: SensorFields) {
  const { thresholds, tags, ...plain } = fields
  return {
    ...plain,
    ...(tags === undefined ? {} : { tags: [...tags] }),
    ...(thresholds === undefined
      ? {}
      : { thresholds: thresholds === null ? null : JSON.stringify(thresholds) }),
  }
}

/**
 * A sensor's thresholds are its row in `alert_rules`, which the aggregator reads with each batch:
 * thresholds set → the sensor's own rule; cleared or sensor deleted → back to the global default.
 */
async function syncAlertRule(
  trx: Transaction<Schema>,
  sensorId: string,
  thresholds: Thresholds | null | undefined,
) {
  if (thresholds === undefined) return
  if (thresholds === null) {
    await trx.deleteFrom('alert_rules').where('sensor_id', '=', sensorId).execute()
    return
  }
  const rule = {
    min_temperature: thresholds.min_temperature ?? null,
    max_temperature: thresholds.max_temperature ?? null,
    consecutive: thresholds.consecutive ?? 1,
    window_size: thresholds.window_size ?? null,
    mean_above: thresholds.mean_above ?? null,
    mean_below: thresholds.mean_below ?? null,
  }
  await trx
    .insertInto('alert_rules')
    .values({ sensor_id: sensorId, ...rule })
    .onConflict((oc) => oc.column('sensor_id').doUpdateSet(rule))
    .execute()
}
