import type { ColumnType, Generated } from 'kysely'

/** Table types for Kysely. bigint columns arrive as strings from pg and as bigints from PGlite. */
export interface MeasurementsTable {
  id: Generated<string | bigint>
  sensor_id: string
  temperature: number
  ts: ColumnType<Date, Date | string, never>
  ingested_at: Generated<Date>
  /** Added by migration 0007 (measurement payload version 2). */
  humidity: ColumnType<number | null, number | null | undefined, never>
  /** Added by migration 0011: where the saver read the record (NULL for rows from an ETL import). */
  log_partition: ColumnType<number | null, number | null | undefined, never>
  log_offset: ColumnType<string | bigint | null, string | null | undefined, never>
  log_time: ColumnType<Date | null, Date | null | undefined, never>
}

export interface SensorsTable {
  sensor_id: string
  measurement_count: ColumnType<string | bigint | number, number, number>
  first_seen: Date
  last_seen: Date
  last_temperature: number
}

/** Migration 0015: the readings each saved batch inserted, until the saver folds them into `sensors`. */
export interface SensorSummaryDeltasTable {
  readings: number
  sensor_ids: string[]
  ts: Date[]
  temperatures: number[]
}

export interface MeasurementWindowsTable {
  sensor_id: string
  size: string
  window_start: Date
  window_end: Date
  source_partition: number
  count: string | bigint | number
  min: number
  max: number
  sum: number
  sum_squares: number
  first_ts: Date
  first_value: number
  last_ts: Date
  last_value: number
  final: boolean
  revision: number
  updated_at: Date
}

export interface AlertsTable {
  id: Generated<string | bigint>
  sensor_id: string
  kind: string
  state: 'open' | 'resolved'
  at: Date
  opened_at: Date
  value: number
  reason: string
  /** Set when an operator acknowledges the opening (migration 0009). */
  acknowledged_by: string | null
  acknowledged_at: Date | null
}

export interface AlertRulesTable {
  id: Generated<number>
  sensor_id: string | null
  min_temperature: number | null
  max_temperature: number | null
  consecutive: number
  window_size: string | null
  mean_above: number | null
  mean_below: number | null
}

export type UserRole = 'admin' | 'operator' | 'viewer'

export interface AuthUsersTable {
  username: string
  role: UserRole
  password_hash: string
  session_version: Generated<number>
  disabled: Generated<boolean>
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface AuthTokensTable {
  id: string
  kind: 'device' | 'api_key'
  name: string
  secret_hash: string
  role: UserRole | null
  sensor_ids: string[] | null
  tag: string | null
  /** Device tokens: the streams they may post to; null means measurements only. */
  streams: string[] | null
  expires_at: Date | null
  revoked_at: Date | null
  replaced_by: string | null
  created_by: string
  created_at: Generated<Date>
}

export interface LoginFailuresTable {
  kind: 'account' | 'address'
  key: string
  failures: number
  window_start: Date
}

export interface AuditLogTable {
  id: Generated<string | bigint>
  at: Generated<Date>
  actor: string
  action: string
  target: string
  detail: unknown
}

export type SensorStatus = 'active' | 'inactive' | 'decommissioned'

export interface SensorRegistryTable {
  sensor_id: string
  name: string | null
  description: string | null
  latitude: number | null
  longitude: number | null
  site: string | null
  unit: Generated<string>
  tags: Generated<string[]>
  thresholds: unknown
  status: Generated<SensorStatus>
  auto: Generated<boolean>
  version: Generated<number>
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type DeadLetterStatus = 'new' | 'redriven' | 'discarded'

export interface DeadLettersTable {
  id: Generated<string | bigint>
  errors_topic: string
  errors_partition: number
  errors_offset: ColumnType<string | bigint, string | bigint, never>
  source_topic: string
  source_partition: number
  source_offset: ColumnType<string | bigint, string | bigint, never>
  source_key: string | null
  payload: ColumnType<Buffer | Uint8Array, Buffer, never>
  reason: string
  field: string | null
  category: Generated<'permanent'>
  sensor_id: string | null
  measured_at: Date | null
  failed_at: Date
  first_seen: Generated<Date>
  status: Generated<DeadLetterStatus>
  acted_by: string | null
  acted_at: Date | null
  redrive_count: Generated<number>
  /** Added by migration 0011: the trace context the dead-lettered record carried. */
  traceparent: ColumnType<string | null, string | null | undefined, string | null>
  /** Added by migration 0012: the corrected payload the last redrive sent; null when it sent the original. */
  redriven_payload: ColumnType<string | null, string | null | undefined, string | null>
}

export interface DeadLetterRedrivesTable {
  id: Generated<string | bigint>
  filter: ColumnType<unknown, string, never>
  matched: number
  redriven: Generated<number>
  skipped: Generated<number>
  state: Generated<'running' | 'done' | 'failed'>
  error: string | null
  started_by: string
  started_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface Schema {
  measurements: MeasurementsTable
  sensors: SensorsTable
  /** A view: `sensors` plus the deltas not folded yet, the exact summary to read. */
  sensor_summaries: SensorsTable
  sensor_summary_deltas: SensorSummaryDeltasTable
  measurement_windows: MeasurementWindowsTable
  alerts: AlertsTable
  alert_rules: AlertRulesTable
  auth_users: AuthUsersTable
  auth_tokens: AuthTokensTable
  auth_settings: { name: string; value: string }
  audit_log: AuditLogTable
  sensor_registry: SensorRegistryTable
  dead_letters: DeadLettersTable
  dead_letter_redrives: DeadLetterRedrivesTable
  login_failures: LoginFailuresTable
}
