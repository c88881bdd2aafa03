import { Type } from '@sinclair/typebox'
import { MOVEMENT_KINDS, PRODUCT_EVENT_TYPES } from '../../inventory/inventory-schemas.ts'

/*
 * The answers of the inventory's read routes (ledger, events, low-stock alerts), as the stock and
 * events repositories return them. Fastify serializes by these schemas, so a field missing here is
 * dropped from the answer, and the console's types are generated from them (`npm run web:api`).
 */

export const NextCursor = Type.Union([Type.String(), Type.Null()], {
  description: 'pass as `cursor` for the next page; null on the last one',
})
export const MovementSchema = Type.Object({
  seq: Type.String({ description: 'position in the ledger, as text' }),
  movement_id: Type.String(),
  warehouse: Type.String(),
  kind: Type.Union(MOVEMENT_KINDS.map((kind) => Type.Literal(kind))),
  quantity: Type.Integer(),
  timestamp: Type.String({ format: 'date-time' }),
  reference: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('applied'), Type.Literal('refused')]),
  refusal: Type.Union([
    Type.Object({
      code: Type.String({ description: 'INSUFFICIENT_STOCK or INSUFFICIENT_RESERVED' }),
      reason: Type.String(),
    }),
    Type.Null(),
  ]),
})
export const ProductEventSchema = Type.Object({
  event_id: Type.String(),
  sku: Type.String(),
  type: Type.Union(PRODUCT_EVENT_TYPES.map((type) => Type.Literal(type))),
  timestamp: Type.String({ format: 'date-time' }),
  quantity: Type.Integer(),
  session_id: Type.Union([Type.String(), Type.Null()]),
  customer_id: Type.Union([Type.String(), Type.Null()]),
})
export const StockAlertSchema = Type.Object({
  id: Type.String(),
  sku: Type.String(),
  warehouse: Type.String(),
  state: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  available: Type.Integer({ description: 'available stock when the alert opened or resolved' }),
  threshold: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
})
