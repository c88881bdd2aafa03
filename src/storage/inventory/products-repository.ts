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

/** The fields a person edits through the REST API; the version is the API's to bump. */
export type ProductFields = Pick<
  ProductV1,
  'name' | 'category' | 'price' | 'attributes' | 'low_stock_threshold'
>

/**
 * Writes from the REST API, under the same rule as the products stream: each write is a new,
 * higher version, and `If-Match` names the version it was based on (optimistic concurrency).
 */
export class ProductsWriteRepository {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** Version 1 of a new product, or the next version of a deleted one; undefined when it exists. */
  async create(sku: string, fields: ProductFields): Promise<StoredProduct | undefined> {
    const { rows } = await sql<ProductRow>`
      INSERT INTO products AS p (sku, name, category, price, attributes, version, low_stock_threshold)
      VALUES (${sku}, ${fields.name}, ${fields.category}, ${fields.price}::numeric, ${JSON.stringify(fields.attributes ?? {})}::jsonb,
              1, ${fields.low_stock_threshold ?? null})
      ON CONFLICT (sku) DO UPDATE SET
        name = excluded.name, category = excluded.category, price = excluded.price, attributes = excluded.attributes,
        low_stock_threshold = excluded.low_stock_threshold, deleted = false, version = p.version + 1, updated_at = now()
      WHERE p.deleted
      RETURNING sku, name, category, price::text AS price, attributes, version, low_stock_threshold, deleted, updated_at`.execute(
      this.#db,
    )
    return rows[0] ? toProduct(rows[0]) : undefined
  }

  /** Applies the changed fields if the product is still at `expectedVersion`; undefined otherwise. */
  async update(
    sku: string,
    expectedVersion: number,
    fields: Partial<ProductFields>,
  ): Promise<StoredProduct | undefined> {
    const { rows } = await sql<ProductRow>`
      UPDATE products SET
        name = coalesce(${fields.name ?? null}, name),
        category = coalesce(${fields.category ?? null}, category),
        price = coalesce(${fields.price ?? null}::numeric, price),
        attributes = coalesce(${fields.attributes === undefined ? null : JSON.stringify(fields.attributes)}::jsonb, attributes),
        low_stock_threshold = ${fields.low_stock_threshold === undefined ? sql`low_stock_threshold` : sql`${fields.low_stock_threshold}::int`},
        version = version + 1, updated_at = now()
      WHERE sku = ${sku} AND version = ${expectedVersion} AND NOT deleted
      RETURNING sku, name, category, price::text AS price, attributes, version, low_stock_threshold, deleted, updated_at`.execute(
      this.#db,
    )
    return rows[0] ? toProduct(rows[0]) : undefined
  }

  /** A tombstone at the next version if the product is still at `expectedVersion`; false otherwise. */
  async remove(sku: string, expectedVersion: number): Promise<boolean> {
    const result = await sql`
      UPDATE products SET deleted = true, version = version + 1, updated_at = now()
      WHERE sku = ${sku} AND version = ${expectedVersion} AND NOT deleted`.execute(this.#db)
    return Number(result.numAffectedRows ?? 0) === 1
  }
}
