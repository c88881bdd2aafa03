import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'

/** The aggregator's outbox publisher lock (src/roles/aggregate/outbox-publisher.ts). */
const PUBLISHER_LOCK = 7_370_014

/**
 * Stops an aggregator at an exact point of its loop without any hook in the product, the way
 * InsertGate stops a saver. `afterCommit` holds the outbox publisher's advisory lock: an
 * aggregator that committed a batch (windows, checkpoint, events in the outbox) then waits for it
 * before publishing the events and committing its Kafka offsets — a SIGKILL there is the worst
 * moment. `beforeMerge` locks `measurement_windows`: a batch's merge statement waits inside its
 * transaction, nothing of it committed.
 */
export class AggregatorGate {
  readonly #lock: pg.Client
  readonly #watch: pg.Client
  readonly #waitsFor: string

  private constructor(lock: pg.Client, watch: pg.Client, waitsFor: string) {
    this.#lock = lock
    this.#watch = watch
    this.#waitsFor = waitsFor
  }

  static async close(url: string, point: 'afterCommit' | 'beforeMerge'): Promise<AggregatorGate> {
    const connect = async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
      client.on('error', () => {})
      await client.connect()
      return client
    }
    const [lock, watch] = await Promise.all([connect(), connect()])
    await lock.query('BEGIN')
    if (point === 'afterCommit') {
      await lock.query('SELECT pg_advisory_xact_lock($1)', [PUBLISHER_LOCK])
      return new AggregatorGate(lock, watch, '%pg_advisory_xact_lock%')
    }
    await lock.query('LOCK TABLE measurement_windows IN SHARE MODE')
    // pg_stat_activity keeps the first 1 kB of a statement: the merge is recognised by its start.
    return new AggregatorGate(lock, watch, '%INSERT INTO aggregated_readings%')
  }

  /** Backend pid and application of the first of `applicationNames` waiting at the gate, or null after `timeoutMs`. */
  async waitForBlocked(
    applicationNames: readonly string[],
    timeoutMs: number,
  ): Promise<{ pid: number; application: string } | null> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const { rows } = await this.#watch.query<{ pid: number; application_name: string }>(
        `SELECT pid, application_name FROM pg_stat_activity
         WHERE application_name = ANY($1) AND wait_event_type = 'Lock' AND query ILIKE $2`,
        [applicationNames, this.#waitsFor],
      )
      const first = rows[0]
      if (first) return { pid: first.pid, application: first.application_name }
      await sleep(10)
    }
    return null
  }

  /** Cancels the statement of backend `pid`: its transaction fails, and the aggregator retries the batch. */
  async cancel(pid: number): Promise<void> {
    await this.#watch.query('SELECT pg_cancel_backend($1)', [pid])
  }

  async end(): Promise<void> {
    await this.#lock.query('ROLLBACK').catch(() => {})
    await Promise.allSettled([this.#lock.end(), this.#watch.end()])
  }
}
