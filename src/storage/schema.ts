import type { ColumnType, Generated } from 'kysely'

/** Table types for Kysely. bigint columns arrive as strings from pg and as bigints from PGlite. */
export interface MeasurementsTable {
  id: Generated<string | bigint>
  sensor_id: string
  temperature: number
  ts: ColumnType<Date, Date | string, never>
  ingested_at: Generated<Date>
}

export interface SensorsTable {
  sensor_id: string
  measurement_count: ColumnType<string | bigint | number, number, number>
  first_seen: Date
  last_seen: Date
  last_temperature: number
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
  measurement_windows: MeasurementWindowsTable
  alerts: AlertsTable
  dead_letters: DeadLettersTable
  dead_letter_redrives: DeadLetterRedrivesTable
}
