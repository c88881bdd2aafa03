import type { Kysely, Transaction } from 'kysely'
import type { Schema } from '../storage/schema.ts'
import type { Principal } from './access.ts'

export interface AuditEntry {
  readonly actor: string
  /** What was done, `<area>.<verb>`: `sensor.create`, `token.revoke`, `user.update`... */
  readonly action: string
  /** What it was done to: a sensor id, a token id, a user name. */
  readonly target: string
  /** The change, without secrets. */
  readonly detail?: unknown
}

export function actorOf(principal: Principal | undefined): string {
  if (!principal) return 'system'
  return principal.kind === 'user' ? `user:${principal.name}` : `${principal.kind}:${principal.name}`
}

/** Appends to `audit_log`, in the caller's transaction when it passes one. */
export async function audit(db: Kysely<Schema> | Transaction<Schema>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      detail: entry.detail === undefined ? null : JSON.stringify(entry.detail),
    })
    .execute()
}
