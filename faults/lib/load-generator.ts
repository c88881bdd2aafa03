import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { authHeaders } from '../../harness/credentials.ts'
import {
  type History,
  type Measurement,
  type MeasurementSource,
  outcomeOf,
  type RequestRecord,
} from './history.ts'

/** How many times a logical request is sent and how: the client retry storm of scenario 8. */
export interface CopyPlan {
  /** Delay of each copy after the previous one started; `null` waits for the previous one to end. */
  readonly gapsMs: readonly (number | null)[]
  /** Client timeout of each copy, in ms. */
  readonly timeoutsMs: readonly number[]
}

export interface LoadOptions {
  readonly target: string
  readonly source: MeasurementSource
  readonly history: History
  /** Requests per second, sent on a fixed schedule whatever the answers (open loop). */
  readonly ratePerS: number
  readonly itemsPerRequest: number
  /** Requests in flight at most; a tick that finds them all busy is skipped and counted. */
  readonly maxInFlight: number
  /** Client timeout: after it the request is abandoned and its outcome is unknown. */
  readonly timeoutMs: number
  /** Share of requests that carry one invalid item besides the valid ones (expected: 400). */
  readonly invalidRatio?: number
  /** Sends each logical request several times (retry storm); default once. */
  readonly copies?: (random: () => number) => CopyPlan
}

/** An open-loop load generator: unique measurements at a steady rate, every request recorded. */
export class LoadGenerator {
  readonly #options: LoadOptions
  readonly #pool: Pool
  readonly #pending = new Set<Promise<void>>()
  #timer: NodeJS.Timeout | undefined
  #startedAt = 0
  #due = 0
  #inFlight = 0
  #nextId = 0
  skipped = 0
  logical = 0

  constructor(options: LoadOptions) {
    this.#options = options
    this.#pool = new Pool(options.target, {
      connections: options.maxInFlight,
      pipelining: 1,
      connectTimeout: Math.min(options.timeoutMs, 5000),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    })
  }

  /** Logical requests sent and not yet answered. */
  get inFlight(): number {
    return this.#inFlight
  }

  start(): void {
    this.#startedAt = performance.now()
    this.#timer = setInterval(() => this.#tick(), 10)
  }

  /** Stops sending and waits for every request in flight to end (each is bounded by its timeout). */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending])
  }

  async close(): Promise<void> {
    await this.stop()
    await this.#pool.close()
  }

  #tick(): void {
    const target = Math.floor(((performance.now() - this.#startedAt) / 1000) * this.#options.ratePerS)
    // Bounded catch-up: after a long event-loop stall, send at most one second's worth at once.
    let budget = Math.max(1, Math.ceil(this.#options.ratePerS))
    while (this.#due < target && budget-- > 0) {
      this.#due += 1
      if (this.#inFlight >= this.#options.maxInFlight) {
        this.skipped += 1
        continue
      }
      this.#track(this.#sendLogical())
    }
    if (this.#due < target) this.#due = target
  }

  /**
   * Sends one request now, outside the schedule, and records it like the others; `credential`
   * replaces the harness's key (a scenario whose fuzzing may have revoked it).
   */
  async sendNow(
    items: Measurement[],
    body = encodeBody(items, false),
    credential?: string,
  ): Promise<RequestRecord> {
    const record = this.#send(items, false, body, this.#options.timeoutMs, credential)
    this.#track(record.then(() => {}))
    return record
  }

  #track(promise: Promise<void>): void {
    this.#pending.add(promise)
    void promise.finally(() => this.#pending.delete(promise))
  }

  async #sendLogical(): Promise<void> {
    this.logical += 1
    this.#inFlight += 1
    try {
      const items = this.#options.source.take(this.#options.itemsPerRequest)
      const invalid = Math.random() < (this.#options.invalidRatio ?? 0)
      const body = encodeBody(items, invalid)
      const plan = this.#options.copies?.(Math.random) ?? {
        gapsMs: [0],
        timeoutsMs: [this.#options.timeoutMs],
      }
      const copies: Promise<void>[] = []
      for (let copy = 0; copy < plan.gapsMs.length; copy++) {
        const gap = plan.gapsMs[copy] ?? 0
        if (gap === null) await Promise.allSettled(copies)
        else if (gap > 0) await sleep(gap)
        copies.push(
          this.#send(items, invalid, body, plan.timeoutsMs[copy] ?? this.#options.timeoutMs).then(() => {}),
        )
      }
      await Promise.allSettled(copies)
    } finally {
      this.#inFlight -= 1
    }
  }

  async #send(
    items: Measurement[],
    invalid: boolean,
    body: string,
    timeoutMs: number,
    credential?: string,
  ): Promise<RequestRecord> {
    const record: RequestRecord = {
      id: this.#nextId++,
      startMs: Date.now(),
      endMs: 0,
      status: 0,
      outcome: 'unknown',
      retryAfter: null,
      error: null,
      items,
      invalid,
    }
    this.#options.history.add(record)
    try {
      const response = await this.#pool.request({
        path: '/measurements',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(credential ? { authorization: `Bearer ${credential}` } : authHeaders()),
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      })
      const header = response.headers['retry-after']
      record.retryAfter = (Array.isArray(header) ? header[0] : header) ?? null
      // The status line is the server's answer; losing the rest of the body does not change it.
      record.status = response.statusCode
      await response.body.dump({ limit: 1 << 20 }).catch(() => {})
    } catch (error) {
      // undici errors carry a string code (ECONNRESET...); an aborted request is a DOMException whose code is a number.
      const cause = error as { code?: unknown; name?: string }
      record.error = typeof cause.code === 'string' ? cause.code : (cause.name ?? 'error')
      record.status = 0
    }
    record.endMs = Date.now()
    record.outcome = outcomeOf(record.status)
    return record
  }
}

export function encodeBody(items: readonly Measurement[], invalid: boolean): string {
  const objects: unknown[] = items.map((item) => ({
    sensor_id: item.sensor,
    temperature: item.temperature,
    timestamp: new Date(item.tsMs).toISOString(),
  }))
  if (invalid) {
    const first = items[0]
    objects.push({ sensor_id: first?.sensor ?? 'invalid', temperature: 5000, timestamp: first?.tsMs ?? 0 })
  }
  return JSON.stringify(objects.length === 1 ? objects[0] : objects)
}
