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

/** Updated in place when read again, so a refresh neither allocates nor moves the key. */
interface Entry<V> {
  value: V | undefined
  /** When the read that gave `value` was sent: the entry is served until `loadedAt + ttlMs`. */
  loadedAt: number
}

/**
 * A time-bounded cache in front of a batched read. Keys asked for in the same turn of the event loop by concurrent
 * requests leave in one query, and a key already on its way is not asked for twice.
 */
export class CachedLoader<V> {
  readonly #options: CachedLoaderOptions<V>
  readonly #ttlMs: number
  readonly #refreshAfterMs: number
  readonly #maxEntries: number
  readonly #entries = new Map<string, Entry<V>>()
  /** Keys queued or on their way, so none is asked for twice (refresh ahead included). */
  readonly #pending = new Map<string, PromiseWithResolvers<V | undefined>>()
  /** Keys of the next read. */
  #queued: string[] = []

  constructor(options: CachedLoaderOptions<V>) {
    this.#options = options
    this.#ttlMs = options.ttlMs
    this.#refreshAfterMs = options.ttlMs / 2
    this.#maxEntries = options.maxEntries ?? 100_000
  }

  /**
   * The value of `key`, undefined when it does not exist; a promise only when it must be read.
   * A caller looking up many keys passes one `now` for all of them.
   */
  load(key: string, now = Date.now()): V | undefined | Promise<V | undefined> {
    const entry = this.#entries.get(key)
    if (entry !== undefined) {
      const age = now - entry.loadedAt
      if (age < this.#ttlMs) {
        // Refresh ahead: past half its TTL a key in use is read again in the background, so a
        // device sending more often than the TTL never waits for the database, and an entry is
        // still never served older than the TTL.
        if (age >= this.#refreshAfterMs && !this.#pending.has(key)) this.#request(key).promise.catch(() => {})
        return entry.value
      }
    }
    return (this.#pending.get(key) ?? this.#request(key)).promise
  }

  /** Queues `key` for the next batched read. */
  #request(key: string): PromiseWithResolvers<V | undefined> {
    const request = Promise.withResolvers<V | undefined>()
    this.#pending.set(key, request)
    if (this.#queued.push(key) === 1) setImmediate(() => void this.#flush())
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
    const keys = this.#queued
    this.#queued = []
    const batch = keys.map((key) => [key, this.#pending.get(key)] as const)
    // The time the read is sent, not answered: what it returns was true at least then.
    const sentAt = Date.now()
    try {
      const found = await this.#options.read(keys)
      for (const [key, request] of batch) {
        const value = found.get(key)
        this.#remember(key, value, sentAt)
        this.#settled(key, request)?.resolve(value)
      }
    } catch (error) {
      const now = Date.now()
      for (const [key, request] of batch) {
        const entry = this.#entries.get(key)
        if (entry && now - entry.loadedAt < this.#options.staleOnErrorMs)
          this.#settled(key, request)?.resolve(entry.value)
        else this.#settled(key, request)?.reject(error)
      }
    }
  }

  #settled<R>(key: string, request: R | undefined): R | undefined {
    if (this.#pending.get(key) === request) this.#pending.delete(key)
    return request
  }

  /**
   * A key read again keeps its place: the entries leave in the order they were first read (a key
   * evicted while in use is read again and goes last). Moving it on each refresh cost a delete and
   * an insert per key in use each half TTL, for an order that only matters past `maxEntries`.
   */
  #remember(key: string, value: V | undefined, loadedAt: number): void {
    const entry = this.#entries.get(key)
    if (entry !== undefined) {
      // Answers may cross: an older read does not overwrite a newer value.
      if (loadedAt >= entry.loadedAt) {
        entry.value = value
        entry.loadedAt = loadedAt
      }
      return
    }
    this.#entries.set(key, { value, loadedAt })
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
  }
}
