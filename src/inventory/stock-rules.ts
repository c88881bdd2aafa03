import type { MovementKind, StockMovementV1 } from './inventory-schemas.ts'

/** Stock of one sku in one warehouse. Available = on hand − reserved. */
export interface StockLevels {
  readonly onHand: number
  readonly reserved: number
}

/** The sign each kind's quantity must have: +1, −1, or 0 for either (never zero itself). */
const SIGN: Readonly<Record<MovementKind, 1 | -1 | 0>> = {
  receipt: 1,
  transfer_in: 1,
  reservation: 1,
  sale: -1,
  transfer_out: -1,
  release: -1,
  adjustment: 0,
}

/** Why a movement's quantity does not fit its kind, or undefined when it does. */
export function quantityProblem(
  movement: Pick<StockMovementV1, 'kind' | 'quantity' | 'consumes_reservation'>,
) {
  const sign = SIGN[movement.kind]
  if (movement.quantity === 0) return 'quantity must not be 0'
  if (sign === 1 && movement.quantity < 0) return `quantity must be positive for a ${movement.kind}`
  if (sign === -1 && movement.quantity > 0) return `quantity must be negative for a ${movement.kind}`
  if (movement.consumes_reservation && movement.kind !== 'sale')
    return 'consumes_reservation applies to a sale only'
  return undefined
}

/** How a movement changes the levels: reservations move `reserved`, everything else `onHand`. */
export function effectOf(
  movement: Pick<StockMovementV1, 'kind' | 'quantity' | 'consumes_reservation'>,
): StockLevels {
  if (movement.kind === 'reservation' || movement.kind === 'release')
    return { onHand: 0, reserved: movement.quantity }
  return { onHand: movement.quantity, reserved: movement.consumes_reservation ? movement.quantity : 0 }
}

export type Applied =
  | { readonly ok: true; readonly levels: StockLevels }
  | {
      readonly ok: false
      readonly code: 'INSUFFICIENT_STOCK' | 'INSUFFICIENT_RESERVED'
      readonly reason: string
    }

/**
 * The rule of the stock consumer: a movement applies whole or not at all, and never leaves
 * on hand, reserved or available below zero. A sale or reservation beyond what is available is
 * INSUFFICIENT_STOCK; a release or a reserved sale beyond what is reserved is INSUFFICIENT_RESERVED.
 */
export function applyMovement(
  levels: StockLevels,
  movement: Pick<StockMovementV1, 'kind' | 'quantity' | 'consumes_reservation' | 'sku' | 'warehouse'>,
  effect: StockLevels = effectOf(movement),
): Applied {
  const next = { onHand: levels.onHand + effect.onHand, reserved: levels.reserved + effect.reserved }
  if (next.reserved < 0) return refusal('INSUFFICIENT_RESERVED', 'what is reserved', levels, movement)
  if (next.onHand < 0 || next.onHand - next.reserved < 0)
    return refusal('INSUFFICIENT_STOCK', 'the stock', levels, movement)
  return { ok: true, levels: next }
}

/** The reason is built only for a refusal: most movements apply, and the stock sink judges each. */
function refusal(
  code: 'INSUFFICIENT_STOCK' | 'INSUFFICIENT_RESERVED',
  exceeds: string,
  levels: StockLevels,
  movement: Pick<StockMovementV1, 'kind' | 'quantity' | 'sku' | 'warehouse'>,
): Applied {
  const seen = `on hand ${levels.onHand}, reserved ${levels.reserved}, available ${levels.onHand - levels.reserved}`
  return {
    ok: false,
    code,
    reason: `${code}: ${movement.kind} of ${Math.abs(movement.quantity)} for ${movement.sku} in ${movement.warehouse} exceeds ${exceeds} (${seen})`,
  }
}
