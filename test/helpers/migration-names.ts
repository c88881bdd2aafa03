/**
 * Every migration, in the order it applies: the one list the migration tests assert against, so a
 * new migration is added here once (0012 and 0013 landed after 0014, which the migrator allows).
 */
export const ALL_MIGRATIONS = [
  '0001-measurements',
  '0002-sensors-fillfactor',
  '0003-stream-windows',
  '0004-partition-measurements',
  '0005-platform',
  '0006-dead-letters',
  '0007-inventory-streams',
  '0008-etl',
  '0009-alert-acknowledgements',
  '0010-report-views',
  '0011-journey-coordinates',
  '0012-dead-letter-redriven-payload',
  '0013-aggregated-minutes',
  '0014-platform-scopes-and-logins',
  '0015-sensor-summary-deltas',
  '0016-measurements-time-index-ascending',
  '0017-sensor-id-bytewise',
] as const

/** The migrations from `first` on: what is pending on a database migrated up to the one before it. */
export function migrationsFrom(first: (typeof ALL_MIGRATIONS)[number]): string[] {
  return ALL_MIGRATIONS.slice(ALL_MIGRATIONS.indexOf(first))
}
