export interface LoginLimits {
  /** Failed logins of one account before it is locked for `windowMs`. */
  readonly perAccount: number
  /** Failed logins from one address before it is locked for `windowMs`. */
  readonly perAddress: number
  readonly windowMs: number
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 }

interface Counter {
  failures: number
  startedAt: number
}

/** Most counters kept per kind; a flood of made-up user names cannot grow memory past it. */
const MAX_COUNTERS = 50_000

/**
 * Brute-force limits on POST /auth/login: failures are counted per account and per client
 * address in a fixed window. Kept in this process's memory: with N admin processes an attacker
 * gets N times the attempts, still a handful per window.
 */
export class LoginLimiter {
  readonly #limits: LoginLimits
  readonly #accounts = new Map<string, Counter>()
  readonly #addresses = new Map<string, Counter>()

  constructor(limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
    this.#limits = limits
  }

  /** Seconds to wait before trying again, or 0 when an attempt may be made now. */
  retryAfterS(username: string, address: string, now = Date.now()): number {
    const waits = [
      this.#wait(this.#accounts, username.toLowerCase(), this.#limits.perAccount, now),
      this.#wait(this.#addresses, address, this.#limits.perAddress, now),
    ]
    return Math.max(...waits)
  }

  failed(username: string, address: string, now = Date.now()): void {
    this.#count(this.#accounts, username.toLowerCase(), now)
    this.#count(this.#addresses, address, now)
  }

  /** A successful login clears the account's failures (not the address's: one good password must not unlock a spray). */
  succeeded(username: string): void {
    this.#accounts.delete(username.toLowerCase())
  }

  #wait(counters: Map<string, Counter>, key: string, limit: number, now: number): number {
    const counter = counters.get(key)
    if (!counter || now - counter.startedAt >= this.#limits.windowMs) return 0
    if (counter.failures < limit) return 0
    return Math.ceil((counter.startedAt + this.#limits.windowMs - now) / 1000)
  }

  #count(counters: Map<string, Counter>, key: string, now: number): void {
    const counter = counters.get(key)
    if (counter && now - counter.startedAt < this.#limits.windowMs) {
      counter.failures += 1
      return
    }
    counters.delete(key)
    counters.set(key, { failures: 1, startedAt: now })
    if (counters.size > MAX_COUNTERS) {
      const oldest = counters.keys().next().value
      if (oldest !== undefined) counters.delete(oldest)
    }
  }
}
