import { randomBytes } from 'node:crypto'
import type { Kysely, Selectable, Transaction } from 'kysely'
import { FlowlineError } from '../errors.ts'
import type { AuthTokensTable, AuthUsersTable, Schema, UserRole } from '../storage/schema.ts'
import { type AuditEntry, audit } from './audit-log.ts'
import { type NewToken, newToken, type TokenKind } from './secret-tokens.ts'

export type UserRow = Selectable<AuthUsersTable>
export type TokenRow = Selectable<AuthTokensTable>

export interface TokenSpec {
  readonly kind: TokenKind
  readonly name: string
  readonly role?: UserRole
  readonly sensorIds?: readonly string[]
  readonly tag?: string
  /** Device tokens: the streams they may post to (default: measurements only). */
  readonly streams?: readonly string[]
  readonly expiresAt?: Date
}

/** Users, tokens and the session signing key in PostgreSQL; each change is audited in its transaction. */
export class CredentialsRepository {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  async usersByName(usernames: readonly string[]): Promise<Map<string, UserRow>> {
    const rows = await this.#db
      .selectFrom('auth_users')
      .selectAll()
      .where('username', 'in', usernames)
      .execute()
    return new Map(rows.map((row) => [row.username, row]))
  }

  async tokensById(ids: readonly string[]): Promise<Map<string, TokenRow>> {
    const rows = await this.#db.selectFrom('auth_tokens').selectAll().where('id', 'in', ids).execute()
    return new Map(rows.map((row) => [row.id, row]))
  }

  listUsers(): Promise<UserRow[]> {
    return this.#db.selectFrom('auth_users').selectAll().orderBy('username').execute()
  }

  listTokens(): Promise<TokenRow[]> {
    return this.#db
      .selectFrom('auth_tokens')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute()
  }

  async countUsers(): Promise<number> {
    const row = await this.#db
      .selectFrom('auth_users')
      .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** Creates a user; false when the name is taken. */
  async createUser(username: string, role: UserRole, passwordHash: string, actor: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('auth_users')
        .values({ username, role, password_hash: passwordHash })
        .onConflict((oc) => oc.column('username').doNothing())
        .returning('username')
        .executeTakeFirst()
      if (inserted) await audit(trx, { actor, action: 'user.create', target: username, detail: { role } })
      return inserted !== undefined
    })
  }

  /**
   * Changes a user's role, password or disabled flag; any change ends the user's sessions.
   * Returns the updated row, undefined when the user does not exist.
   */
  async updateUser(
    username: string,
    change: { role?: UserRole; passwordHash?: string; disabled?: boolean },
    actor: string,
  ): Promise<UserRow | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      if (change.disabled === true || (change.role !== undefined && change.role !== 'admin'))
        await keepAnAdmin(trx, username, change.disabled === true ? 'disable' : 'demote')
      const row = await trx
        .updateTable('auth_users')
        .set((eb) => ({
          ...(change.role === undefined ? {} : { role: change.role }),
          ...(change.passwordHash === undefined ? {} : { password_hash: change.passwordHash }),
          ...(change.disabled === undefined ? {} : { disabled: change.disabled }),
          session_version: eb('session_version', '+', 1),
          updated_at: new Date(),
        }))
        .where('username', '=', username)
        .returningAll()
        .executeTakeFirst()
      if (row) {
        const detail = {
          role: change.role,
          disabled: change.disabled,
          password_changed: change.passwordHash !== undefined,
        }
        await audit(trx, { actor, action: 'user.update', target: username, detail })
      }
      return row
    })
  }

  /** Ends every session of a user (logout). */
  async endSessions(username: string): Promise<void> {
    await this.#db
      .updateTable('auth_users')
      .set((eb) => ({ session_version: eb('session_version', '+', 1) }))
      .where('username', '=', username)
      .execute()
  }

  async deleteUser(username: string, actor: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await keepAnAdmin(trx, username, 'delete')
      const deleted = await trx
        .deleteFrom('auth_users')
        .where('username', '=', username)
        .returning('username')
        .executeTakeFirst()
      if (deleted) await audit(trx, { actor, action: 'user.delete', target: username })
      return deleted !== undefined
    })
  }

  /** Creates a token; the returned `token` is the only time its secret exists outside the caller. */
  async createToken(spec: TokenSpec, actor: string): Promise<{ row: TokenRow; token: string }> {
    const created = newToken(spec.kind)
    const row = await this.#db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('auth_tokens')
        .values(tokenValues(spec, created, actor))
        .returningAll()
        .executeTakeFirstOrThrow()
      await audit(trx, { actor, action: 'token.create', target: created.id, detail: describe(spec) })
      return inserted
    })
    return { row, token: created.token }
  }

  /** Stores a token whose secret was given from outside (the bootstrap API key), once. */
  async adoptToken(id: string, secretHash: string, spec: TokenSpec, actor: string): Promise<boolean> {
    const inserted = await this.#db
      .insertInto('auth_tokens')
      .values(tokenValues(spec, { id, token: '', secretHash }, actor))
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst()
    if (inserted) await audit(this.#db, { actor, action: 'token.create', target: id, detail: describe(spec) })
    return inserted !== undefined
  }

  async revokeToken(id: string, actor: string): Promise<TokenRow | undefined> {
    return this.#changeToken(id, actor, 'token.revoke', { revoked_at: new Date() })
  }

  /**
   * A new token with the same kind, role and scope; the old one stays valid for `overlapS` seconds
   * (or until its own expiry, if sooner) so devices can switch without a gap.
   */
  async rotateToken(
    id: string,
    overlapS: number,
    actor: string,
  ): Promise<{ row: TokenRow; token: string } | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const old = await trx
        .selectFrom('auth_tokens')
        .selectAll()
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst()
      if (!old || old.revoked_at !== null) return undefined
      const spec: TokenSpec = {
        kind: old.kind,
        name: old.name,
        role: old.role ?? undefined,
        sensorIds: old.sensor_ids ?? undefined,
        tag: old.tag ?? undefined,
        streams: old.streams ?? undefined,
        expiresAt: old.expires_at ?? undefined,
      }
      const created = newToken(old.kind)
      const row = await trx
        .insertInto('auth_tokens')
        .values(tokenValues(spec, created, actor))
        .returningAll()
        .executeTakeFirstOrThrow()
      const overlapEnd = new Date(Date.now() + overlapS * 1000)
      const expiresAt = old.expires_at && old.expires_at < overlapEnd ? old.expires_at : overlapEnd
      await trx
        .updateTable('auth_tokens')
        .set({ expires_at: expiresAt, replaced_by: created.id })
        .where('id', '=', id)
        .execute()
      await audit(trx, {
        actor,
        action: 'token.rotate',
        target: id,
        detail: { replaced_by: created.id, old_expires_at: expiresAt },
      })
      return { row, token: created.token }
    })
  }

  /** The key that signs sessions: generated by the first process that needs it, then shared through the table. */
  async signingSecret(): Promise<string> {
    await this.#db
      .insertInto('auth_settings')
      .values({ name: 'session_signing_key', value: randomBytes(32).toString('base64url') })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute()
    const row = await this.#db
      .selectFrom('auth_settings')
      .select('value')
      .where('name', '=', 'session_signing_key')
      .executeTakeFirstOrThrow()
    return row.value
  }

  async #changeToken(
    id: string,
    actor: string,
    action: string,
    set: Partial<TokenRow>,
  ): Promise<TokenRow | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('auth_tokens')
        .set(set)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()
      if (row) await audit(trx, { actor, action, target: id } satisfies AuditEntry)
      return row
    })
  }
}

/**
 * Refuses a change that would leave no enabled admin (nobody could manage accounts any more).
 * The enabled admins' rows are locked until the transaction ends, so two admins demoting each
 * other at once are serialised and the second one is refused.
 */
async function keepAnAdmin(
  trx: Transaction<Schema>,
  username: string,
  change: 'delete' | 'demote' | 'disable',
): Promise<void> {
  const admins = await trx
    .selectFrom('auth_users')
    .select('username')
    .where('role', '=', 'admin')
    .where('disabled', '=', false)
    .orderBy('username')
    .forUpdate()
    .execute()
  if (admins.length === 1 && admins[0]?.username === username)
    throw new FlowlineError(
      'LAST_ADMIN',
      `Cannot ${change} ${username}: it is the only enabled admin; create or enable another admin first`,
    )
}

function tokenValues(spec: TokenSpec, created: NewToken, actor: string) {
  return {
    id: created.id,
    kind: spec.kind,
    name: spec.name,
    secret_hash: created.secretHash,
    role: spec.kind === 'api_key' ? (spec.role ?? 'viewer') : null,
    sensor_ids: spec.sensorIds ? [...spec.sensorIds] : null,
    tag: spec.tag ?? null,
    streams: spec.kind === 'device' && spec.streams ? [...spec.streams] : null,
    expires_at: spec.expiresAt ?? null,
    created_by: actor,
  }
}

function describe(spec: TokenSpec) {
  return {
    kind: spec.kind,
    name: spec.name,
    role: spec.role,
    sensor_ids: spec.sensorIds,
    tag: spec.tag,
    streams: spec.streams,
    expires_at: spec.expiresAt,
  }
}
