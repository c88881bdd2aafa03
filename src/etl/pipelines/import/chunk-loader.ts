import type { Storage } from '../../../storage/storage.ts'
import type { CopyChunk } from './copy-chunker.ts'
import { copyIntoStaging, createStaging, MAX_LOAD_SLOTS, moveStagedRows, stagingTable } from './staging.ts'

/**
 * Loads COPY chunks while the caller parses the next ones: each slot has a staging table of its
 * own and loads one chunk at a time (COPY into it, INSERT from it, TRUNCATE), so the database
 * works while this process parses, and at most one chunk per slot waits in memory. On a server two
 * slots use two connections (the bulk pool's); on PGlite, one connection, one slot.
 */
export class ChunkLoader {
  readonly #storage: Storage
  readonly #tables: readonly string[]
  readonly #onLoaded: (valid: number, inserted: number) => void
  readonly #loads: Promise<void>[]
  #next = 0

  readonly #onCopied: (chunk: CopyChunk) => void

  /**
   * `onCopied` gets each chunk back once its COPY ended (its buffer may be reused); `onLoaded`
   * hears, per chunk once loaded, its rows and how many of them were new.
   */
  constructor(
    storage: Storage,
    runId: string,
    onCopied: (chunk: CopyChunk) => void,
    onLoaded: (rows: number, inserted: number) => void,
  ) {
    this.#storage = storage
    const slots = storage.capabilities.concurrentConnections ? MAX_LOAD_SLOTS : 1
    this.#tables = Array.from({ length: slots }, (_, slot) => stagingTable(runId, slot))
    this.#loads = this.#tables.map(() => Promise.resolve())
    this.#onCopied = onCopied
    this.#onLoaded = onLoaded
  }

  async create(): Promise<void> {
    for (const table of this.#tables) await createStaging(this.#storage, table)
  }

  /** Starts loading `chunk` in the next slot, once that slot's previous load is done. */
  async submit(chunk: CopyChunk): Promise<void> {
    const slot = this.#next++ % this.#tables.length
    await this.#loads[slot]
    const load = this.#load(this.#tables[slot] as string, chunk)
    // Awaited at the slot's next submit or in `finish`; until then a failure must not count as unhandled.
    load.catch(() => {})
    this.#loads[slot] = load
  }

  /** Waits for every load in flight; throws the first failure. */
  async finish(): Promise<void> {
    await Promise.all(this.#loads)
  }

  /** Waits for every load in flight to end either way (before the tables are dropped). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#loads)
  }

  async #load(table: string, chunk: CopyChunk): Promise<void> {
    await copyIntoStaging(this.#storage, table, chunk.bytes)
    this.#onCopied(chunk)
    this.#onLoaded(chunk.rows, await moveStagedRows(this.#storage, table))
  }
}
