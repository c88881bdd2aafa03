import type { Kysely } from 'kysely'
import { audit } from '../auth/audit-log.ts'
import type { Schema } from './schema.ts'
import { type StoredAlert, storedAlertOf } from './windows-read-repository.ts'

export type AcknowledgeOutcome =
  | { readonly outcome: 'acknowledged' | 'already'; readonly alert: StoredAlert }
  | { readonly outcome: 'not-found' }

/** Writes acknowledgements of open alerts (on the primary), each with its audit entry. */
export class AlertAcknowledgements {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /**
   * Marks an opening acknowledged by `actor`, once: a second acknowledgement keeps the first one's
   * name and time, so the audit log and the row agree on who acted.
   */
  async acknowledge(id: string, actor: string): Promise<AcknowledgeOutcome> {
    return this.#db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('alerts')
        .set({ acknowledged_by: actor, acknowledged_at: new Date() })
        .where('id', '=', id)
        .where('state', '=', 'open')
        .where('acknowledged_at', 'is', null)
        .returningAll()
        .executeTakeFirst()
      if (updated) {
        await audit(trx, {
          actor,
          action: 'alert.acknowledge',
          target: id,
          detail: { sensor_id: updated.sensor_id },
        })
        return { outcome: 'acknowledged' as const, alert: storedAlertOf(updated) }
      }
      const existing = await trx
        .selectFrom('alerts')
        .selectAll()
        .where('id', '=', id)
        .where('state', '=', 'open')
        .executeTakeFirst()
      return existing
        ? { outcome: 'already' as const, alert: storedAlertOf(existing) }
        : { outcome: 'not-found' as const }
    })
  }
}
