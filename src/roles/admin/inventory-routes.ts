import { type Static, Type } from '@sinclair/typebox'
import { Ajv } from 'ajv'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { FlowlineError } from '../../errors.ts'
import { ErrorBody } from '../../http/http-app.ts'
import { ProductV1, Sku } from '../../inventory/inventory-schemas.ts'
import type { ProductEventsRepository } from '../../storage/inventory/product-events-repository.ts'
import type {
  ProductsRepository,
  ProductsWriteRepository,
  StoredProduct,
} from '../../storage/inventory/products-repository.ts'
import type { StockReadRepository } from '../../storage/inventory/stock-read-repository.ts'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { MovementSchema, NextCursor, ProductEventSchema, StockAlertSchema } from './inventory-read-schemas.ts'

export interface InventoryRoutesOptions {
  readonly products: ProductsRepository
  /** Writes go to the primary database even when reads come from a replica. */
  readonly productWrites: ProductsWriteRepository
  readonly events: ProductEventsRepository
  readonly stock: StockReadRepository
  readonly query: <T>(operation: string, run: () => Promise<T>) => Promise<T>
  readonly defaultLimit: number
  readonly maxLimit: number
}

// The access each route needs once the platform branch enforces it (deny by default).
const viewer = { access: 'viewer' } as Record<string, unknown>
const operator = { access: 'operator' } as Record<string, unknown>

const ProductBody = Type.Omit(ProductV1, ['version', 'deleted'], { additionalProperties: false })
const ProductPatch = Type.Partial(Type.Omit(ProductV1, ['sku', 'version', 'deleted']), {
  additionalProperties: false,
})
const StoredProductSchema = Type.Object({
  sku: Type.String(),
  name: Type.String(),
  category: Type.String(),
  price: Type.String({ description: 'decimal, as a string' }),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  version: Type.Integer(),
  low_stock_threshold: Type.Union([Type.Integer(), Type.Null()]),
  deleted: Type.Boolean(),
  updated_at: Type.String({ format: 'date-time' }),
})
const SkuParams = Type.Object({ sku: Sku })
const Page = (limits: { defaultLimit: number; maxLimit: number }) =>
  Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: limits.maxLimit, default: limits.defaultLimit }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  })

/** The (time, event id) position of the last event a page returned; a forged one is a 400. */
function decodeEventsCursor(cursor: string): { tsMs: number; id: string } {
  try {
    const position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Number.isFinite(position?.tsMs) && typeof position?.id === 'string') return position
  } catch {
    // Falls through to the 400 below.
  }
  throw new FlowlineError('INVALID_CURSOR', 'querystring/cursor is not a cursor this API returned')
}

/**
 * Product bodies are checked without Fastify's type coercion: a price sent as a JSON number has
 * already been through a float, so it is refused rather than turned into a string.
 */
const strictAjv = new Ajv({ addUsedSchema: false, allErrors: false, strict: false })
const strictBody = { validatorCompiler: ({ schema }: { schema: object }) => strictAjv.compile(schema) }

const etagOf = (product: StoredProduct) => `"${product.version}"`

/** The version an `If-Match` header names; writes without one are refused (428), as the registry does. */
function expectedVersion(header: string | undefined): number {
  if (header === undefined)
    throw new FlowlineError(
      'PRECONDITION_REQUIRED',
      'If-Match is required: send the ETag of the product you changed',
    )
  const match = /^"(\d{1,18})"$/.exec(header.trim())
  if (!match?.[1])
    throw new FlowlineError('PRECONDITION_FAILED', 'If-Match must be an ETag this API returned')
  return Number(match[1])
}

function sendProduct(reply: FastifyReply, product: StoredProduct, status = 200) {
  return reply.code(status).header('etag', etagOf(product)).send(product)
}

/**
 * Products CRUD (ETag = version, If-Match on writes, keyset paging by sku), a product's stock,
 * ledger and events, and low-stock alerts. The catalog is also written by the products stream:
 * both follow "a higher version wins", so a REST write and a streamed one never undo each other
 * silently.
 */
export function registerInventoryRoutes(app: FastifyInstance, options: InventoryRoutesOptions) {
  const { query } = options
  const found = async (sku: string) => {
    const product = await query('get_product', () => options.products.get(sku))
    if (!product || product.deleted) throw new FlowlineError('NOT_FOUND', `product ${sku} does not exist`)
    return product
  }

  const ProductsQuery = Type.Intersect([
    Page(options),
    Type.Object({ category: Type.Optional(Type.String({ maxLength: 100 })) }),
  ])
  app.get<{ Querystring: Static<typeof ProductsQuery> }>(
    '/products',
    {
      config: viewer,
      schema: {
        summary: 'Products in sku order, paged by cursor',
        querystring: ProductsQuery,
        response: {
          200: Type.Object({
            items: Type.Array(StoredProductSchema),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          400: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const { limit, cursor, category } = request.query
      const after = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8')
      const items = await query('list_products', () => options.products.list(limit, after, category))
      const last = items.at(-1)
      return {
        items,
        next_cursor: items.length === limit && last ? Buffer.from(last.sku).toString('base64url') : null,
      }
    },
  )

  app.get<{ Params: Static<typeof SkuParams> }>(
    '/products/:sku',
    {
      config: viewer,
      schema: {
        summary: 'One product; its ETag is its version',
        params: SkuParams,
        response: { 200: StoredProductSchema, 404: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => sendProduct(reply, await found(request.params.sku)),
  )

  app.post<{ Body: Static<typeof ProductBody> }>(
    '/products',
    {
      config: operator,
      ...strictBody,
      schema: {
        summary: 'Create a product (version 1)',
        body: ProductBody,
        response: { 201: StoredProductSchema, 400: ErrorBody, 409: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const { sku, ...fields } = request.body
      const created = await query('create_product', () => options.productWrites.create(sku, fields))
      if (!created)
        throw new FlowlineError('CONFLICT', `product ${sku} exists: change it with PATCH /products/${sku}`)
      return sendProduct(reply, created, 201)
    },
  )

  app.patch<{ Params: Static<typeof SkuParams>; Body: Static<typeof ProductPatch> }>(
    '/products/:sku',
    {
      config: operator,
      ...strictBody,
      schema: {
        summary: 'Change a product; If-Match must carry its current ETag',
        params: SkuParams,
        body: ProductPatch,
        response: {
          200: StoredProductSchema,
          400: ErrorBody,
          404: ErrorBody,
          412: ErrorBody,
          428: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match'])
      const updated = await query('update_product', () =>
        options.productWrites.update(request.params.sku, expected, request.body),
      )
      if (updated) return sendProduct(reply, updated)
      const current = await found(request.params.sku)
      throw new FlowlineError(
        'PRECONDITION_FAILED',
        `product ${current.sku} is at version ${current.version}, not ${expected}: read it again`,
      )
    },
  )

  app.delete<{ Params: Static<typeof SkuParams> }>(
    '/products/:sku',
    {
      config: operator,
      schema: {
        summary: 'Delete a product (a tombstone version); If-Match required',
        params: SkuParams,
        response: { 400: ErrorBody, 404: ErrorBody, 412: ErrorBody, 428: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match'])
      if (await query('delete_product', () => options.productWrites.remove(request.params.sku, expected)))
        return reply.code(204).send()
      const current = await found(request.params.sku)
      throw new FlowlineError(
        'PRECONDITION_FAILED',
        `product ${current.sku} is at version ${current.version}, not ${expected}: read it again`,
      )
    },
  )

  app.get<{ Params: Static<typeof SkuParams> }>(
    '/products/:sku/stock',
    {
      config: viewer,
      schema: {
        summary: 'Stock of a product per warehouse: on hand, reserved, available',
        params: SkuParams,
        response: {
          200: Type.Object({
            sku: Type.String(),
            on_hand: Type.Integer(),
            reserved: Type.Integer(),
            available: Type.Integer(),
            warehouses: Type.Array(
              Type.Object({
                warehouse: Type.String(),
                on_hand: Type.Integer(),
                reserved: Type.Integer(),
                available: Type.Integer(),
                low_stock: Type.Boolean(),
              }),
            ),
          }),
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const warehouses = await query('stock_levels', () => options.stock.levels(request.params.sku))
      const sum = (field: 'on_hand' | 'reserved' | 'available') =>
        warehouses.reduce((total, row) => total + row[field], 0)
      return {
        sku: request.params.sku,
        on_hand: sum('on_hand'),
        reserved: sum('reserved'),
        available: sum('available'),
        warehouses,
      }
    },
  )

  const PageQuery = Page(options)
  app.get<{ Params: Static<typeof SkuParams>; Querystring: Static<typeof PageQuery> }>(
    '/products/:sku/movements',
    {
      config: viewer,
      schema: {
        summary: "A product's stock ledger, newest first, refused movements with their reason",
        params: SkuParams,
        querystring: PageQuery,
        response: {
          200: Type.Object({ items: Type.Array(MovementSchema), next_cursor: NextCursor }),
          400: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query
      const before = cursor === undefined ? undefined : decodeCursor(cursor).id
      const items = await query('stock_movements', () =>
        options.stock.movements(request.params.sku, limit, before),
      )
      const last = items.at(-1)
      return {
        items,
        next_cursor: items.length === limit && last ? encodeCursor({ tsMs: 0, id: last.seq }) : null,
      }
    },
  )

  app.get<{ Params: Static<typeof SkuParams>; Querystring: Static<typeof PageQuery> }>(
    '/products/:sku/events',
    {
      config: viewer,
      schema: {
        summary: "A product's events, newest first",
        params: SkuParams,
        querystring: PageQuery,
        response: {
          200: Type.Object({ items: Type.Array(ProductEventSchema), next_cursor: NextCursor }),
          400: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query
      const before = cursor === undefined ? undefined : decodeEventsCursor(cursor)
      const items = await query('product_events', () =>
        options.events.ofProduct(request.params.sku, limit, before),
      )
      const last = items.at(-1)
      const next = last
        ? Buffer.from(JSON.stringify({ tsMs: Date.parse(last.timestamp), id: last.event_id })).toString(
            'base64url',
          )
        : null
      return { items, next_cursor: items.length === limit ? next : null }
    },
  )

  const AlertsQuery = Type.Object({
    state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved')])),
    limit: Type.Integer({ minimum: 1, maximum: options.maxLimit, default: options.defaultLimit }),
  })
  app.get<{ Querystring: Static<typeof AlertsQuery> }>(
    '/stock-alerts',
    {
      config: viewer,
      schema: {
        summary:
          'Low-stock alerts: available fell below the product threshold (open) or rose back (resolved)',
        querystring: AlertsQuery,
        response: {
          200: Type.Object({ items: Type.Array(StockAlertSchema) }),
          400: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request) => ({
      items: await query('stock_alerts', () =>
        options.stock.alerts(request.query.state, request.query.limit),
      ),
    }),
  )
}
