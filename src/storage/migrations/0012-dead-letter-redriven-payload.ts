import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/**
 * `dead_letters.redriven_payload`: the corrected payload the letter's last redrive sent, NULL when
 * it sent the original bytes (or was never redriven). Kept beside the original so the console
 * shows both after a reload; who sent it and when are already `acted_by` and `acted_at`. Text,
 * because a correction is published as text. Nullable without a default: adding it rewrites nothing.
 */
export const deadLetterRedrivenPayload: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`ALTER TABLE dead_letters ADD COLUMN redriven_payload text`.execute(db)
  },
  async down(db: Kysely<unknown>) {
    await sql`ALTER TABLE dead_letters DROP COLUMN redriven_payload`.execute(db)
  },
}
