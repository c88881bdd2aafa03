import { type Kysely, sql } from 'kysely'
import type { ProductV1 } from '../../inventory/inventory-schemas.ts'
import type { Schema } from '../schema.ts'

/** A product as stored and served. `price` stays a decimal string end to end. */
export interface StoredProduct {
  readonly sku: string
  readonly name: string
  readonly category: string
  readonly price: string
  readonly attributes: Record<string, unknown>
  readonly version: number
  readonly low_stock_threshold: number | null
  readonly deleted: boolean
  readonly updated_at: string
}

type ProductRow = Omit<StoredProduct, 'version' | 'updated_at' | 'attributes'> & {
  version: string | number | bigint
  updated_at: Date
  attributes: Record<string, unknown> | string
}

const toProduct = (row: ProductRow): StoredProduct => ({
  ...row,
  // numeric(14,4) comes back as "19.9900": trailing zeros are dropped, never through a float.
  price: row.price.includes('.') ? row.price.replace(/\.?0+$/, '') : row.price,
  attributes: typeof row.attributes === 'string' ? JSON.parse(row.attributes) : row.attributes,
  version: Number(row.version),
  updated_at: row.updated_at.toISOString(),
})

/** The catalog. Writes are upserts guarded by `version`, so arrival order never matters. */
export class ProductsRepository {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /**
   * Upserts products in one statement. Within the batch only the highest version of a sku is
   * kept; against the table, a row changes only when the incoming version is higher. Returns how
   * many rows changed (the rest were older or equal versions: duplicates or superseded).
   */
  async upsert(products: readonly ProductV1[]): Promise<number> {
    const newest = new Map<string, ProductV1>()
    for (const product of products) {
      const held = newest.get(product.sku)
      if (!held || held.version < product.version) newest.set(product.sku, product)
    }
    if (newest.size === 0) return 0
    const rows = [...newest.values()].sort((a, b) => (a.sku < b.sku ? -1 : 1))
    const result = await sql<{ n: number }>`
      WITH changed AS (
        INSERT INTO products AS p (sku, name, category, price, attributes, version, low_stock_threshold, deleted)
        SELECT sku, name, category, price, attributes::jsonb, version, low_stock_threshold, deleted
        FROM unnest(${rows.map((r) => r.sku)}::text[], ${rows.map((r) => r.name)}::text[],
                    ${rows.map((r) => r.category)}::text[], ${rows.map((r) => r.price)}::numeric[],
                    ${rows.map((r) => JSON.stringify(r.attributes ?? {}))}::text[], ${rows.map((r) => r.version)}::bigint[],
                    ${rows.map((r) => r.low_stock_threshold ?? null)}::int[], ${rows.map((r) => r.deleted ?? false)}::boolean[])
          AS b(sku, name, category, price, attributes, version, low_stock_threshold, deleted)
        ON CONFLICT (sku) DO UPDATE SET
          name = excluded.name, category = excluded.category, price = excluded.price,
          attributes = excluded.attributes, version = excluded.version,
          low_stock_threshold = excluded.low_stock_threshold, deleted = excluded.deleted, updated_at = now()
        WHERE p.version < excluded.version
        RETURNING 1
      )
      SELECT count(*)::int AS n FROM changed`.execute(this.#db)
    return result.rows[0]?.n ?? 0
  }

  /** One product, deleted ones included (their tombstone carries the version). */
  async get(sku: string): Promise<StoredProduct | undefined> {
    const { rows } = await sql<ProductRow>`
      SELECT sku, name, category, price::text AS price, attributes, version, low_stock_threshold, deleted, updated_at
      FROM products WHERE sku = ${sku}`.execute(this.#db)
    return rows[0] ? toProduct(rows[0]) : undefined
  }

  /** Products in sku order after `afterSku` (keyset paging), without the deleted ones. */
  async list(limit: number, afterSku?: string, category?: string): Promise<StoredProduct[]> {
    const { rows } = await sql<ProductRow>`
      SELECT sku, name, category, price::text AS price, attributes, version, low_stock_threshold, deleted, updated_at
      FROM products
      WHERE NOT deleted AND sku > ${afterSku ?? ''}
        ${category === undefined ? sql`` : sql`AND category = ${category}`}
      ORDER BY sku LIMIT ${limit}`.execute(this.#db)
    return rows.map(toProduct)
  }
}
