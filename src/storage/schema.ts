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

export interface Schema {
  measurements: MeasurementsTable
  sensors: SensorsTable
}
