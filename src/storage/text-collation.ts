import { type Kysely, sql } from 'kysely'

/** How the database orders and compares text by default: the sensor ids of every key. */
export interface TextCollation {
  /** The collation's locale name, as `pg_database` holds it. */
  readonly name: string
  readonly provider: 'libc' | 'icu' | 'builtin'
  /** Compared byte by byte (memcmp), not through the C library's strcoll or ICU. */
  readonly bytewise: boolean
}

const PROVIDERS = { c: 'libc', i: 'icu', b: 'builtin' } as const

/**
 * The database's default collation. PostgreSQL compares text with memcmp only under C or POSIX
 * (or the builtin provider of PostgreSQL 17), otherwise through strcoll or ICU. Migration 0017
 * makes the sensor keys of the hot tables bytewise whatever this says; the rest of the text
 * still follows it (bench/README.md#collation).
 */
export async function textCollation<DB>(db: Kysely<DB>): Promise<TextCollation> {
  // datlocprovider (PostgreSQL 15) read through to_jsonb: older servers have no such column.
  const { rows } = await sql<{ name: string; provider: string }>`
    SELECT d.datcollate AS name, coalesce(to_jsonb(d) ->> 'datlocprovider', 'c') AS provider
      FROM pg_database d WHERE d.datname = current_database()`.execute(db)
  const name = rows[0]?.name ?? 'C'
  const provider = PROVIDERS[(rows[0]?.provider ?? 'c') as keyof typeof PROVIDERS] ?? 'libc'
  const bytewise = provider === 'builtin' || (provider === 'libc' && (name === 'C' || name === 'POSIX'))
  return { name, provider, bytewise }
}

/** What to tell an operator whose database does not compare text bytewise; undefined when it does. */
export function collationAdvice(collation: TextCollation): string | undefined {
  if (collation.bytewise) return undefined
  const how = collation.provider === 'icu' ? 'ICU' : "the C library's strcoll"
  return (
    `text is compared through ${how} (collation ${collation.name}, provider ${collation.provider}): ` +
    'the sensor keys compare bytewise anyway (migration 0017), but with the aggregator inside the saver ' +
    'PostgreSQL measured 12.5–12.8 µs of CPU a stored row under en_US.UTF-8 against 11.2–11.5 under C; ' +
    `create the database with LOCALE 'C' (CREATE DATABASE ... TEMPLATE template0 LOCALE 'C', or initdb --locale=C)`
  )
}
