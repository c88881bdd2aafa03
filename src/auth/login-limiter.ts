import { type Kysely, sql } from 'kysely'
import type { Schema } from '../storage/schema.ts'

export interface LoginLimits {
  /** Failed logins of one account before it is locked for `windowMs`. */
  readonly perAccount: number
  /** Failed logins from one address before it is locked for `windowMs`. */
  readonly perAddress: number
  readonly windowMs: number
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 }

/** Expired rows are swept after this many failures counted by a process (a login is rare; no timer needed). */
const SWEEP_EVERY = 100

/**
 * Brute-force limits on POST /auth/login: failures are counted per account and per client
 * address in a fixed window, in the `login_failures` table, so every admin replica sees the same
 * counts (N replicas do not give a guesser N times the attempts). Each check reads two rows by
 * primary key; each failure is one upsert of two rows. A made-up user name costs one row, swept
 * once its window ended. Clocks: the window is measured with the callers' clocks, which
 * replicas keep in step with NTP; a few seconds of skew only shift a 15-minute window.
 */
export class LoginLimiter {
  readonly #db: Kysely<Schema>
  readonly #limits: LoginLimits
  #failuresSinceSweep = 0

  constructor(db: Kysely<Schema>, limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
    this.#db = db
    this.#limits = limits
  }

  /** Seconds to wait before trying again, or 0 when an attempt may be made now. */
  async retryAfterS(username: string, address: string, now = Date.now()): Promise<number> {
    const rows = await this.#db
      .selectFrom('login_failures')
      .select(['kind', 'failures', 'window_start'])
      .where((eb) =>
        eb.or([
          eb.and([eb('kind', '=', 'account'), eb('key', '=', username.toLowerCase())]),
          eb.and([eb('kind', '=', 'address'), eb('key', '=', address)]),
        ]),
      )
      .execute()
    const waits = rows.map((row) => {
      const limit = row.kind === 'account' ? this.#limits.perAccount : this.#limits.perAddress
      const end = new Date(row.window_start).getTime() + this.#limits.windowMs
      return row.failures < limit || end <= now ? 0 : Math.ceil((end - now) / 1000)
    })
    return Math.max(0, ...waits)
  }

  async failed(username: string, address: string, now = Date.now()): Promise<void> {
    const at = new Date(now)
    const windowStartedBefore = new Date(now - this.#limits.windowMs)
    await this.#db
      .insertInto('login_failures')
      .values([
        { kind: 'account', key: username.toLowerCase(), failures: 1, window_start: at },
        { kind: 'address', key: address, failures: 1, window_start: at },
      ])
      .onConflict((oc) =>
        oc.columns(['kind', 'key']).doUpdateSet({
          // A window that ended starts over at this failure.
          failures: sql`CASE WHEN login_failures.window_start <= ${windowStartedBefore}
            THEN 1 ELSE login_failures.failures + 1 END`,
          window_start: sql`CASE WHEN login_failures.window_start <= ${windowStartedBefore}
            THEN excluded.window_start ELSE login_failures.window_start END`,
        }),
      )
      .execute()
    this.#failuresSinceSweep += 1
    if (this.#failuresSinceSweep >= SWEEP_EVERY) {
      this.#failuresSinceSweep = 0
      await this.#db.deleteFrom('login_failures').where('window_start', '<=', windowStartedBefore).execute()
    }
  }

  /** A successful login clears the account's failures (not the address's: one good password must not unlock a spray). */
  async succeeded(username: string): Promise<void> {
    await this.#db
      .deleteFrom('login_failures')
      .where('kind', '=', 'account')
      .where('key', '=', username.toLowerCase())
      .execute()
  }
}
