import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/**
 * An operator acknowledges an open alert from the console: who and when, on the opening row.
 * Nullable columns with no default: adding them rewrites nothing, whatever the table's size.
 */
export const alertAcknowledgements: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`ALTER TABLE alerts ADD COLUMN acknowledged_by text, ADD COLUMN acknowledged_at timestamptz`.execute(
      db,
    )
  },
  async down(db: Kysely<unknown>) {
    await sql`ALTER TABLE alerts DROP COLUMN acknowledged_by, DROP COLUMN acknowledged_at`.execute(db)
  },
}
