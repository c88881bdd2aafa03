import type { Kysely } from 'kysely'
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration'
import { createMeasurements } from './0001-measurements.ts'
import { sensorsFillfactor } from './0002-sensors-fillfactor.ts'
import { createStreamWindows } from './0003-stream-windows.ts'
import { partitionMeasurements } from './0004-partition-measurements.ts'
import { createPlatform } from './0005-platform.ts'
import { createDeadLetters } from './0006-dead-letters.ts'
import { createInventoryStreams } from './0007-inventory-streams.ts'
import { createEtl } from './0008-etl.ts'
import { alertAcknowledgements } from './0009-alert-acknowledgements.ts'
import { createReportViews } from './0010-report-views.ts'
import { createJourneyCoordinates } from './0011-journey-coordinates.ts'
import { deadLetterRedrivenPayload } from './0012-dead-letter-redriven-payload.ts'
import { aggregatedMinutes } from './0013-aggregated-minutes.ts'
import { platformScopesAndLogins } from './0014-platform-scopes-and-logins.ts'
import { sensorSummaryDeltas } from './0015-sensor-summary-deltas.ts'
import { measurementsTimeIndexAscending } from './0016-measurements-time-index-ascending.ts'
import { sensorIdBytewise } from './0017-sensor-id-bytewise.ts'

/** Versioned migrations, applied in name order. Add a file and list it here; never edit an applied one. */
const migrations: Record<string, Migration> = {
  '0001-measurements': createMeasurements,
  '0002-sensors-fillfactor': sensorsFillfactor,
  '0003-stream-windows': createStreamWindows,
  '0004-partition-measurements': partitionMeasurements,
  '0005-platform': createPlatform,
  '0006-dead-letters': createDeadLetters,
  '0007-inventory-streams': createInventoryStreams,
  '0008-etl': createEtl,
  '0009-alert-acknowledgements': alertAcknowledgements,
  '0010-report-views': createReportViews,
  '0011-journey-coordinates': createJourneyCoordinates,
  '0012-dead-letter-redriven-payload': deadLetterRedrivenPayload,
  '0013-aggregated-minutes': aggregatedMinutes,
  '0014-platform-scopes-and-logins': platformScopesAndLogins,
  '0015-sensor-summary-deltas': sensorSummaryDeltas,
  '0016-measurements-time-index-ascending': measurementsTimeIndexAscending,
  '0017-sensor-id-bytewise': sensorIdBytewise,
}

const provider: MigrationProvider = { getMigrations: async () => migrations }

/** Brings the schema to the latest version. Kysely serialises concurrent runs with an advisory lock. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const { error, results } = await createMigrator(db).migrateToLatest()
  if (error) throw new Error(`Database migration failed: ${(error as Error).message}`, { cause: error })
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName)
}

/**
 * The migrator over Flowline's migrations. Unordered: branches add migrations in parallel (0003
 * and 0004 were written at the same time), so a database may have applied a later one before an
 * earlier one lands; each stands alone.
 */
export function createMigrator(db: Kysely<unknown>): Migrator {
  return new Migrator({ db, provider, allowUnorderedMigrations: true })
}

/** Names of the migrations this code knows that the database has not applied yet. */
export async function pendingMigrations(db: Kysely<unknown>): Promise<string[]> {
  const migrations = await createMigrator(db).getMigrations()
  return migrations
    .filter((migration) => migration.executedAt === undefined)
    .map((migration) => migration.name)
}
