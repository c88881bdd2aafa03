import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/**
 * The platform layer: who may call the APIs, and which sensors exist.
 *
 * - `auth_users`: console accounts. Passwords only as scrypt hashes; `session_version` ends every
 *   session of a user at once (logout, password change, role change).
 * - `auth_tokens`: device tokens (`flt_`) and machine API keys (`fla_`). The id is the visible part
 *   of the token; the secret is kept as its SHA-256 only (it is 256 random bits, so a slow hash adds
 *   nothing). A device token is scoped to a list of sensors or to a tag.
 * - `auth_settings`: the session signing key when none is configured, shared by every admin process.
 * - `audit_log`: who changed what (registry, tokens, users; the dead-letter branch adds redrives).
 * - `sensor_registry`: what a sensor is (name, place, unit, tags, thresholds, status). Apart from
 *   `sensors`, the statistics the saver keeps; the two join on `sensor_id`.
 */
export const createPlatform: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`
      CREATE TABLE auth_users (
        username text PRIMARY KEY,
        role text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
        password_hash text NOT NULL,
        session_version integer NOT NULL DEFAULT 0,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`.execute(db)
    await sql`
      CREATE TABLE auth_tokens (
        id text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('device', 'api_key')),
        name text NOT NULL,
        secret_hash text NOT NULL,
        role text CHECK (role IN ('admin', 'operator', 'viewer')),
        sensor_ids text[],
        tag text,
        expires_at timestamptz,
        revoked_at timestamptz,
        replaced_by text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'api_key') = (role IS NOT NULL)),
        CHECK (kind = 'api_key' OR sensor_ids IS NOT NULL OR tag IS NOT NULL)
      )`.execute(db)
    await sql`
      CREATE TABLE auth_settings (
        name text PRIMARY KEY,
        value text NOT NULL
      )`.execute(db)
    await sql`
      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        action text NOT NULL,
        target text NOT NULL,
        detail jsonb
      )`.execute(db)
    await sql`
      CREATE TABLE sensor_registry (
        sensor_id text PRIMARY KEY,
        name text,
        description text,
        latitude double precision CHECK (latitude BETWEEN -90 AND 90),
        longitude double precision CHECK (longitude BETWEEN -180 AND 180),
        site text,
        unit text NOT NULL DEFAULT 'celsius',
        tags text[] NOT NULL DEFAULT '{}',
        thresholds jsonb,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'decommissioned')),
        auto boolean NOT NULL DEFAULT false,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`.execute(db)
    // GET /sensors?tag=... and tag-scoped device tokens.
    await sql`CREATE INDEX sensor_registry_tags_idx ON sensor_registry USING gin (tags)`.execute(db)
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['sensor_registry', 'audit_log', 'auth_settings', 'auth_tokens', 'auth_users'])
      await db.schema.dropTable(table).execute()
  },
}
