import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'

/**
 * Holds the savers' next INSERT at the door, to freeze a saver at an exact point of its loop
 * without any hook in the product.
 *
 * Our transaction takes `LOCK TABLE measurements IN SHARE MODE`, which conflicts with the ROW
 * EXCLUSIVE lock every INSERT needs: a saver's batch statement then waits in PostgreSQL, and
 * pg_stat_activity shows it (the savers connect with application_name = their label). With the
 * saver frozen (SIGSTOP) while its statement waits, opening the gate lets the server run and
 * commit that statement on its own (the saver's INSERT is a single autocommit statement): the
 * batch is then durable in PostgreSQL while the process has not even read the answer, let alone
 * committed the Kafka offsets. A SIGKILL at that point is the worst moment of issue 6.
 */
export class InsertGate {
  readonly #lock: pg.Client
  readonly #watch: pg.Client

  private constructor(lock: pg.Client, watch: pg.Client) {
    this.#lock = lock
    this.#watch = watch
  }

  static async close(url: string): Promise<InsertGate> {
    const connect = async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
      client.on('error', () => {})
      await client.connect()
      return client
    }
    const [lock, watch] = await Promise.all([connect(), connect()])
    await lock.query('BEGIN')
    await lock.query('LOCK TABLE measurements IN SHARE MODE')
    return new InsertGate(lock, watch)
  }

  /** Backend pid of the first of `applicationNames` whose INSERT waits at the gate, or null after `timeoutMs`. */
  async waitForBlocked(
    applicationNames: readonly string[],
    timeoutMs: number,
  ): Promise<{ pid: number; application: string } | null> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const { rows } = await this.#watch.query<{ pid: number; application_name: string }>(
        `SELECT pid, application_name FROM pg_stat_activity
         WHERE application_name = ANY($1) AND wait_event_type = 'Lock' AND query ILIKE '%INSERT INTO measurements%'`,
        [applicationNames],
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
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const { rows } = await this.#watch.query<{ state: string }>(
        'SELECT state FROM pg_stat_activity WHERE pid = $1',
        [pid],
      )
      if (rows[0]?.state === 'idle') return true
      await sleep(5)
    }
    return false
  }

  async rowCount(): Promise<number> {
    const { rows } = await this.#watch.query<{ n: string }>('SELECT count(*) AS n FROM measurements')
    return Number(rows[0]?.n ?? 0)
  }

  async end(): Promise<void> {
    await this.open()
    await Promise.allSettled([this.#lock.end(), this.#watch.end()])
  }
}
