/** Reads many keys at once; a key missing from the result does not exist. */
export type BatchRead<V> = (keys: readonly string[]) => Promise<ReadonlyMap<string, V>>

export interface CachedLoaderOptions<V> {
  readonly read: BatchRead<V>
  /** How long an entry (found or not) is trusted; bounds how late a revocation takes effect. */
  readonly ttlMs: number
  /**
   * When a read fails, an entry younger than this is served instead of failing the request: a
   * database outage must not stop ingest for devices it already knows. 0 fails at once.
   */
  readonly staleOnErrorMs: number
  /** Most entries kept; the oldest go first. */
  readonly maxEntries?: number
}

interface Entry<V> {
  readonly value: V | undefined
  readonly loadedAt: number
}

/**
 * A time-bounded cache in front of a batched read. Keys asked for in the same turn of the event loop by concurrent
 * requests leave in one query, and a key already on its way is not asked for twice.
 */
export class CachedLoader<V> {
  readonly #options: CachedLoaderOptions<V>
  readonly #entries = new Map<string, Entry<V>>()
  #pending = new Map<string, PromiseWithResolvers<V | undefined>>()
  #scheduled = false

  constructor(options: CachedLoaderOptions<V>) {
    this.#options = options
  }

  /** The value of `key`, undefined when it does not exist. */
  load(key: string, now = Date.now()): V | undefined | Promise<V | undefined> {
    const entry = this.#entries.get(key)
    if (entry && now - entry.loadedAt < this.#options.ttlMs) {
      // Refresh ahead: past half its TTL a key in use is read again in the background, so a
      // device sending more often than the TTL never waits for the database, and an entry is
      // still never served older than the TTL.
      if (now - entry.loadedAt >= this.#options.ttlMs / 2 && !this.#pending.has(key))
        this.#request(key).promise.catch(() => {})
      return entry.value
    }
    return (this.#pending.get(key) ?? this.#request(key)).promise
  }

  /** Queues `key` for the next batched read. */
  #request(key: string): PromiseWithResolvers<V | undefined> {
    const request = Promise.withResolvers<V | undefined>()
    this.#pending.set(key, request)
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => void this.#flush())
    }
    return request
  }

  /** Forgets a key, so the next load reads it (after a change made by this process). */
  forget(key: string): void {
    this.#entries.delete(key)
  }

  /** Records a value this process just wrote. */
  set(key: string, value: V | undefined): void {
    this.#remember(key, value, Date.now())
  }

  async #flush(): Promise<void> {
    this.#scheduled = false
    const batch = this.#pending
    this.#pending = new Map()
    const keys = [...batch.keys()]
    try {
      const found = await this.#options.read(keys)
      const now = Date.now()
      for (const [key, request] of batch) {
        const value = found.get(key)
        this.#remember(key, value, now)
        request.resolve(value)
      }
    } catch (error) {
      const now = Date.now()
      for (const [key, request] of batch) {
        const entry = this.#entries.get(key)
        if (entry && now - entry.loadedAt < this.#options.staleOnErrorMs) request.resolve(entry.value)
        else request.reject(error)
      }
    }
  }

  #remember(key: string, value: V | undefined, now: number): void {
    this.#entries.delete(key)
    this.#entries.set(key, { value, loadedAt: now })
    const max = this.#options.maxEntries ?? 100_000
    if (this.#entries.size > max) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
  }
}
