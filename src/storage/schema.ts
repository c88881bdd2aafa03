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

export interface Schema {
  measurements: MeasurementsTable
  sensors: SensorsTable
  measurement_windows: MeasurementWindowsTable
  alerts: AlertsTable
}
