import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'

/** The aggregator's outbox publisher lock (src/roles/aggregate/outbox-publisher.ts). */
const PUBLISHER_LOCK = 7_370_014

/** Where a gate stops a role: the lock it takes, and how the statement held by it starts. */
interface GatePoint {
  readonly lock: string
  readonly params?: readonly unknown[]
  /** An ILIKE pattern; pg_stat_activity keeps the first 1 kB of a statement, so match its start. */
  readonly waitsFor: string
}

/**
 * The points where the fault suite stops a role, with no hook in the product: our transaction
 * takes a lock its next statement needs, the statement waits in PostgreSQL, and pg_stat_activity
 * shows it (roles connect with application_name = their label).
 *
 * - `saverInsert`: `measurements` in SHARE mode conflicts with the ROW EXCLUSIVE lock every INSERT
 *   needs. With the saver frozen (SIGSTOP) while it waits, opening the gate lets the server run and
 *   commit that single autocommit statement on its own: the batch is durable while the process has
 *   not read the answer nor committed its Kafka offsets — the worst moment for a SIGKILL.
 * - `stockLedger`: the stock sink's ledger INSERT waits inside its transaction (after it read the
 *   levels and the decided ids), nothing of its batch committed.
 * - `aggregatorMerge`: a batch's merge waits inside its transaction, nothing of it committed.
 * - `aggregatorPublish`: the outbox publisher's advisory lock; an aggregator that committed a batch
 *   (windows, checkpoint, outbox) waits for it before publishing and committing its offsets.
 */
export const GATE_POINTS = {
  saverInsert: { lock: 'LOCK TABLE measurements IN SHARE MODE', waitsFor: '%INSERT INTO measurements%' },
  stockLedger: {
    lock: 'LOCK TABLE stock_movements IN SHARE MODE',
    waitsFor: '%INSERT INTO stock_movements%',
  },
  aggregatorMerge: {
    // Only the merge's dedup statement touches aggregated_minutes; a lock on measurement_windows
    // could catch the idle tick's window-closing UPDATE first, and the batch would never reach the gate.
    lock: 'LOCK TABLE aggregated_minutes IN SHARE MODE',
    waitsFor: '%aggregated_minutes%',
  },
  aggregatorPublish: {
    lock: 'SELECT pg_advisory_xact_lock($1)',
    params: [PUBLISHER_LOCK],
    waitsFor: '%pg_advisory_xact_lock%',
  },
} as const satisfies Record<string, GatePoint>

export type GatePointName = keyof typeof GATE_POINTS

/** A role's next statement held at a lock we own, to freeze the role at an exact point of its loop. */
export class LockGate {
  readonly #lock: pg.Client
  readonly #watch: pg.Client
  readonly #waitsFor: string

  private constructor(lock: pg.Client, watch: pg.Client, waitsFor: string) {
    this.#lock = lock
    this.#watch = watch
    this.#waitsFor = waitsFor
  }

  static async close(url: string, pointName: GatePointName): Promise<LockGate> {
    const point: GatePoint = GATE_POINTS[pointName]
    const connect = async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
      client.on('error', () => {})
      await client.connect()
      return client
    }
    const [lock, watch] = await Promise.all([connect(), connect()])
    await lock.query('BEGIN')
    await lock.query(point.lock, point.params ? [...point.params] : [])
    return new LockGate(lock, watch, point.waitsFor)
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

  /** Cancels the statement of backend `pid` (the error waits in its socket until the client reads it). */
  async cancel(pid: number): Promise<void> {
    await this.#watch.query('SELECT pg_cancel_backend($1)', [pid])
  }

  /** Releases the lock: every statement waiting at the gate runs now. */
  async open(): Promise<void> {
    await this.#lock.query('ROLLBACK').catch(() => {})
  }

  /** Waits until backend `pid` has finished its statement (state idle: committed or failed, no transaction open). */
  async waitIdle(pid: number, timeoutMs: number): Promise<boolean> {
    return this.#waitActivity<{ state: string }>(
      'SELECT state FROM pg_stat_activity WHERE pid = $1',
      [pid],
      (rows) => rows[0]?.state === 'idle',
      timeoutMs,
    )
  }

  /**
   * The last id handed out for `measurements` ('0' before the first). Taken while the gate holds
   * every INSERT before it runs (none has drawn an id yet), rows stored later all have larger ids.
   */
  async measurementIdMark(): Promise<string> {
    const { rows } = await this.#watch.query<{ mark: string }>(
      `SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('measurements', 'id')::regclass), 0)::text AS mark`,
    )
    return rows[0]?.mark ?? '0'
  }

  /** Rows of `measurements` stored after `mark` (see measurementIdMark). */
  async measurementRowsAfter(mark: string): Promise<number> {
    const { rows } = await this.#watch.query<{ n: string }>(
      'SELECT count(*) AS n FROM measurements WHERE id > $1::bigint',
      [mark],
    )
    return Number(rows[0]?.n ?? 0)
  }

  /**
   * Waits until no backend of `application` is left: after its process was killed, each one ends
   * its statement (a batch sent just before a SIGSTOP may still be running) and exits on EOF.
   */
  async waitGone(application: string, timeoutMs: number): Promise<boolean> {
    return this.#waitActivity(
      'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
      [application],
      (rows) => rows.length === 0,
      timeoutMs,
    )
  }

  /** Polls `text` every 5 ms until `done` holds for its rows (true) or `timeoutMs` passes (false). */
  async #waitActivity<Row extends pg.QueryResultRow>(
    text: string,
    params: unknown[],
    done: (rows: Row[]) => boolean,
    timeoutMs: number,
  ): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (done((await this.#watch.query<Row>(text, params)).rows)) return true
      await sleep(5)
    }
    return false
  }

  async end(): Promise<void> {
    await this.open()
    await Promise.allSettled([this.#lock.end(), this.#watch.end()])
  }
}
