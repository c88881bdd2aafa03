import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/**
 * - `auth_tokens.streams`: the streams a device token may post to (`measurements`, `products`,
 *   `product-events`, `stock-movements`). NULL means measurements only, what every token could do
 *   before, so existing tokens keep working.
 * - `login_failures`: failed logins per account and per client address in a fixed window, shared
 *   by every admin replica so that N replicas do not give a guesser N times the attempts.
 *   One row per key; a login reads one or two rows by primary key.
 */
export const platformScopesAndLogins: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`ALTER TABLE auth_tokens ADD COLUMN streams text[]`.execute(db)
    // 0005 required a sensor scope of every device token; a token for inventory streams has none.
    // (auth_tokens_check1 is the name PostgreSQL gave 0005's unnamed second table CHECK.)
    await sql`
      ALTER TABLE auth_tokens
        DROP CONSTRAINT auth_tokens_check1,
        ADD CONSTRAINT auth_tokens_device_scope CHECK (
          kind = 'api_key' OR sensor_ids IS NOT NULL OR tag IS NOT NULL
          OR (streams IS NOT NULL AND NOT ('measurements' = ANY (streams)))
        )
    `.execute(db)
    await sql`
      CREATE TABLE login_failures (
        kind text NOT NULL CHECK (kind IN ('account', 'address')),
        key text NOT NULL,
        failures integer NOT NULL,
        window_start timestamptz NOT NULL,
        PRIMARY KEY (kind, key)
      )
    `.execute(db)
    await sql`CREATE INDEX login_failures_window_start ON login_failures (window_start)`.execute(db)
  },
  async down(db: Kysely<unknown>) {
    await sql`DROP TABLE login_failures`.execute(db)
    await sql`DELETE FROM auth_tokens WHERE kind = 'device' AND sensor_ids IS NULL AND tag IS NULL`.execute(
      db,
    )
    await sql`ALTER TABLE auth_tokens DROP CONSTRAINT auth_tokens_device_scope`.execute(db)
    await sql`ALTER TABLE auth_tokens DROP COLUMN streams`.execute(db)
    await sql`
      ALTER TABLE auth_tokens ADD CONSTRAINT auth_tokens_check1
        CHECK (kind = 'api_key' OR sensor_ids IS NOT NULL OR tag IS NOT NULL)
    `.execute(db)
  },
}
