import type { Kysely } from 'kysely'
import { FlowlineError } from '../../errors.ts'
import { ledgerDecision } from '../../storage/inventory/stock-repository.ts'
import type { Schema } from '../../storage/schema.ts'
import { textFieldOf } from './redrive-record.ts'

/**
 * A stock movement is redriven under its `movement_id`, and the ledger decides an id once: one it
 * already decided would be skipped as a duplicate and, refused before, dead-lettered again with
 * its first reason. Refused here, naming the field, before anything is sent. A payload without an
 * id (not JSON, say) goes on: the consumer refuses it with its own reason.
 */
export async function refuseDecidedMovement(
  db: Kysely<Schema>,
  letterId: string,
  payload: string,
  corrected: boolean,
): Promise<void> {
  const movementId = textFieldOf(payload, 'movement_id')
  if (movementId === undefined) return
  const decision = await ledgerDecision(db, movementId)
  if (!decision) return
  const how = decision.status === 'refused' ? `refused ${decision.code}` : 'applied'
  const already = `movement_id ${movementId} is already decided (${how}), and the ledger decides an id once`
  throw new FlowlineError(
    'CONFLICT',
    corrected
      ? `body/payload/movement_id: ${already}; send the correction under a new movement_id`
      : `dead letter ${letterId}: its ${already}; redrive it corrected, under a new movement_id`,
  )
}
