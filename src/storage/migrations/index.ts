import type { Kysely } from 'kysely'
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration'
import { createMeasurements } from './0001-measurements.ts'
import { sensorsFillfactor } from './0002-sensors-fillfactor.ts'
import { createStreamWindows } from './0003-stream-windows.ts'

/** Versioned migrations, applied in name order. Add a file and list it here; never edit an applied one. */
const migrations: Record<string, Migration> = {
  '0001-measurements': createMeasurements,
  '0002-sensors-fillfactor': sensorsFillfactor,
  '0003-stream-windows': createStreamWindows,
}

const provider: MigrationProvider = { getMigrations: async () => migrations }

/** Brings the schema to the latest version. Kysely serialises concurrent runs with an advisory lock. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({ db, provider })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw new Error(`Database migration failed: ${(error as Error).message}`, { cause: error })
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName)
}
