import type { Kysely } from 'kysely'
import { FlowlineError } from '../../errors.ts'
import {
  type LedgerDecision,
  ledgerDecision,
  ledgerDecisions,
} from '../../storage/inventory/stock-repository.ts'
import type { Schema } from '../../storage/schema.ts'
import { textFieldOf } from './redrive-record.ts'

const utf8 = new TextDecoder('utf-8', { fatal: true })

function alreadyDecided(movementId: string, decision: LedgerDecision): string {
  const how = decision.status === 'refused' ? `refused ${decision.code}` : 'applied'
  return `movement_id ${movementId} is already decided (${how}), and the ledger decides an id once`
}

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
  const already = alreadyDecided(movementId, decision)
  throw new FlowlineError(
    'CONFLICT',
    corrected
      ? `body/payload/movement_id: ${already}; send the correction under a new movement_id`
      : `dead letter ${letterId}: its ${already}; redrive it corrected, under a new movement_id`,
  )
}

/**
 * The bulk redrive's form of the same rule, for a chunk of stock letters in one statement: the
 * letters whose original payload names a `movement_id` the ledger decided, each with why it stays
 * `new` (it needs a correction under a new id, one by one). Letters that are not text or name no
 * id are left to the other checks.
 */
export async function decidedMovementLetters(
  db: Kysely<Schema>,
  letters: ReadonlyArray<{ readonly id: string; readonly payload: Buffer }>,
): Promise<Map<string, string>> {
  const movementOf = new Map<string, string>()
  for (const letter of letters) {
    let text: string
    try {
      text = utf8.decode(letter.payload)
    } catch {
      continue
    }
    const movementId = textFieldOf(text, 'movement_id')
    if (movementId !== undefined) movementOf.set(letter.id, movementId)
  }
  const decisions = await ledgerDecisions(db, [...new Set(movementOf.values())])
  const skipped = new Map<string, string>()
  for (const [letterId, movementId] of movementOf) {
    const decision = decisions.get(movementId)
    if (decision)
      skipped.set(
        letterId,
        `dead letter ${letterId}: its ${alreadyDecided(movementId, decision)}; redrive it corrected, under a new movement_id`,
      )
  }
  return skipped
}
