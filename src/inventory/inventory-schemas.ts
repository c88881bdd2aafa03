import { type Static, Type } from '@sinclair/typebox'

/** A stock-keeping unit: the key of every inventory stream, so one product's records keep their order. */
export const Sku = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._:/-]+$',
  description: 'stock-keeping unit: 1 to 64 letters, digits or . _ : / -',
  examples: ['SKU-00042'],
})
const Id = (description: string) =>
  Type.String({ minLength: 1, maxLength: 128, pattern: '^\\S+$', description })
const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601 date-time with a time zone' })

/** Version 1 of a product record. Money is a decimal string, never a float. */
export const ProductV1 = Type.Object(
  {
    sku: Sku,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    category: Type.String({ minLength: 1, maxLength: 100 }),
    price: Type.String({
      pattern: '^[0-9]{1,10}(\\.[0-9]{1,4})?$',
      description: 'decimal price as a string, up to 4 decimals, e.g. "19.99"',
      examples: ['19.99'],
    }),
    attributes: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'free-form attributes' }),
    ),
    version: Type.Integer({
      minimum: 1,
      description: 'increases with each change; an older version never overwrites a newer one',
    }),
    low_stock_threshold: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
        description: 'available stock below which a low-stock alert opens (null: none)',
      }),
    ),
    deleted: Type.Optional(
      Type.Boolean({ description: 'a tombstone: the product was deleted at this version' }),
    ),
  },
  { additionalProperties: false, $id: 'Product' },
)
export type ProductV1 = Static<typeof ProductV1>

export const PRODUCT_EVENT_TYPES = ['viewed', 'added_to_cart', 'purchased', 'returned'] as const

export const ProductEventV1 = Type.Object(
  {
    event_id: Id('idempotency key: an event is appended once'),
    sku: Sku,
    type: Type.Union(PRODUCT_EVENT_TYPES.map((type) => Type.Literal(type))),
    timestamp: Timestamp,
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
    session_id: Type.Optional(Type.String({ maxLength: 128 })),
    customer_id: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false, $id: 'ProductEvent' },
)
export type ProductEventV1 = Static<typeof ProductEventV1>

export const MOVEMENT_KINDS = [
  'receipt',
  'sale',
  'adjustment',
  'transfer_out',
  'transfer_in',
  'reservation',
  'release',
] as const
export type MovementKind = (typeof MOVEMENT_KINDS)[number]

export const StockMovementV1 = Type.Object(
  {
    movement_id: Id('idempotency key: a movement is applied (or refused) once'),
    sku: Sku,
    warehouse: Type.String({ minLength: 1, maxLength: 64, pattern: '^\\S+$' }),
    kind: Type.Union(MOVEMENT_KINDS.map((kind) => Type.Literal(kind))),
    quantity: Type.Integer({
      minimum: -1_000_000_000,
      maximum: 1_000_000_000,
      description:
        'signed: > 0 for receipt, transfer_in, reservation; < 0 for sale, transfer_out, release; either for adjustment',
    }),
    timestamp: Timestamp,
    reference: Type.Optional(
      Type.String({ maxLength: 200, description: 'order, transfer or document reference' }),
    ),
    consumes_reservation: Type.Optional(
      Type.Boolean({ description: 'a sale that takes units reserved before (reserved decreases too)' }),
    ),
  },
  { additionalProperties: false, $id: 'StockMovement' },
)
export type StockMovementV1 = Static<typeof StockMovementV1>
