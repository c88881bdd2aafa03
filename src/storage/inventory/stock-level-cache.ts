import type { Levels } from './stock-batch-plan.ts'

/**
 * The levels this process last committed or read, per (sku, warehouse) pair. One consumer owns a
 * sku's partition, so what it wrote is what the next batch would read: the sink plans from here
 * instead of reading the rows again. It is a hint, never trusted: every write is guarded by the
 * levels it was planned from, so a value that is stale (another member wrote the row after a
 * rebalance) fails the guard, the transaction rolls back, the cache is cleared and the batch is
 * planned again from the rows. Bounded: past `limit` pairs it starts again empty.
 */
export class StockLevelCache {
  readonly #limit: number
  readonly #levels = new Map<string, Levels>()

  constructor(limit: number) {
    this.#limit = limit
  }

  get(key: string): Levels | undefined {
    return this.#levels.get(key)
  }

  /** Levels known to be committed (written by a committed batch, or read from a row). */
  remember(key: string, levels: Levels): void {
    if (this.#levels.size >= this.#limit && !this.#levels.has(key)) this.#levels.clear()
    this.#levels.set(key, levels)
  }

  clear(): void {
    this.#levels.clear()
  }
}
