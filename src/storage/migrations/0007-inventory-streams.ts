import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/**
 * Version 2 of the measurement stream and the inventory streams.
 *
 * - `measurements.humidity`: nullable, without default, so adding it only changes the catalog
 *   (no table rewrite, a brief lock): savers and the admin API keep running while it is applied,
 *   and a saver of the previous version keeps inserting rows without it.
 * - `products`: the catalog, one row per sku; `version` decides which write wins, whatever the
 *   arrival order. `price` is numeric: money is never a float. A delete is a tombstone
 *   (`deleted`) so an older version arriving later cannot bring the product back.
 * - `product_events`: appended once per `event_id`.
 * - `stock_movements`: the ledger, one row per `movement_id`, refused ones included (with the
 *   reason), so a redelivered refusal is not applied later when stock has arrived meanwhile.
 * - `stock_levels`: on hand and reserved per (sku, warehouse), equal to the sum of the applied
 *   ledger rows; the CHECKs are a last line behind the consumer's own rule.
 * - `stock_alerts`: low-stock transitions, like the sensor alerts.
 */
export const createInventoryStreams: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`ALTER TABLE measurements ADD COLUMN IF NOT EXISTS humidity double precision`.execute(db)
    await sql`
      CREATE TABLE products (
        sku text PRIMARY KEY,
        name text NOT NULL,
        category text NOT NULL,
        price numeric(14, 4) NOT NULL CHECK (price >= 0),
        attributes jsonb NOT NULL DEFAULT '{}',
        version bigint NOT NULL,
        low_stock_threshold integer CHECK (low_stock_threshold >= 0),
        deleted boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`.execute(db)
    await sql`
      CREATE TABLE product_events (
        event_id text PRIMARY KEY,
        sku text NOT NULL,
        type text NOT NULL CHECK (type IN ('viewed', 'added_to_cart', 'purchased', 'returned')),
        at timestamptz NOT NULL,
        quantity integer NOT NULL CHECK (quantity >= 1),
        session_id text,
        customer_id text,
        received_at timestamptz NOT NULL DEFAULT now()
      )`.execute(db)
    await sql`CREATE INDEX product_events_sku_at_idx ON product_events (sku, at DESC, event_id DESC)`.execute(
      db,
    )
    await sql`
      CREATE TABLE stock_movements (
        movement_id text PRIMARY KEY,
        sku text NOT NULL,
        warehouse text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('receipt', 'sale', 'adjustment', 'transfer_out', 'transfer_in', 'reservation', 'release')),
        quantity integer NOT NULL,
        on_hand_delta integer NOT NULL,
        reserved_delta integer NOT NULL,
        at timestamptz NOT NULL,
        reference text,
        status text NOT NULL CHECK (status IN ('applied', 'refused')),
        refusal jsonb,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`.execute(db)
    await sql`CREATE INDEX stock_movements_sku_seq_idx ON stock_movements (sku, seq DESC)`.execute(db)
    await sql`
      CREATE TABLE stock_levels (
        sku text NOT NULL,
        warehouse text NOT NULL,
        on_hand bigint NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
        reserved bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
        low_stock boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sku, warehouse)
      ) WITH (fillfactor = 70)`.execute(db)
    await sql`
      CREATE TABLE stock_alerts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sku text NOT NULL,
        warehouse text NOT NULL,
        state text NOT NULL CHECK (state IN ('open', 'resolved')),
        available bigint NOT NULL,
        threshold integer NOT NULL,
        movement_id text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`.execute(db)
    await sql`CREATE INDEX stock_alerts_sku_idx ON stock_alerts (sku, id DESC)`.execute(db)
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['stock_alerts', 'stock_levels', 'stock_movements', 'product_events', 'products'])
      await db.schema.dropTable(table).execute()
    await sql`ALTER TABLE measurements DROP COLUMN humidity`.execute(db)
  },
}
