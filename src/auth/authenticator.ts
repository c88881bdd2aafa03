import { timingSafeEqual } from 'node:crypto'
import type { Principal } from './access.ts'
import { CachedLoader } from './cached-loader.ts'
import type { CredentialsRepository, TokenRow, UserRow } from './credentials-repository.ts'
import { type ParsedToken, parseToken, secretMatches } from './secret-tokens.ts'
import type { SessionTokens } from './session-tokens.ts'

export const SESSION_COOKIE = 'flowline_session'

export interface AuthenticatorOptions {
  readonly credentials: CredentialsRepository
  readonly sessions: SessionTokens
  /** How long a token or user read from the database is trusted (≤ 5 s: a revocation takes effect within it). */
  readonly cacheTtlMs: number
}

/** While PostgreSQL is unreachable, credentials read in the last 5 minutes keep working. */
const STALE_ON_ERROR_MS = 5 * 60_000

/**
 * Turns a request's credential (Bearer device token, API key or session token, or the session
 * cookie) into a principal. Tokens and users are read through a cache with a bounded TTL, in
 * batches, so that ingest pays a map lookup and one SHA-256 per request.
 */
export class Authenticator {
  readonly #options: AuthenticatorOptions
  readonly #tokens: CachedLoader<TokenRow>
  readonly #users: CachedLoader<UserRow>
  readonly #verified = new WeakMap<TokenRow, { readonly secret: Buffer; readonly principal: Principal }>()

  constructor(options: AuthenticatorOptions) {
    this.#options = options
    const { credentials, cacheTtlMs } = options
    this.#tokens = new CachedLoader({
      read: (ids) => credentials.tokensById(ids),
      ttlMs: cacheTtlMs,
      staleOnErrorMs: STALE_ON_ERROR_MS,
    })
    this.#users = new CachedLoader({
      read: (names) => credentials.usersByName(names),
      ttlMs: cacheTtlMs,
      staleOnErrorMs: STALE_ON_ERROR_MS,
    })
  }

  /** The principal of a request's credential; undefined when it has none or it does not check out. */
  async authenticate(
    authorization: string | undefined,
    sessionCookie: string | undefined,
  ): Promise<Principal | undefined> {
    const bearer = authorization?.match(/^Bearer +(\S+)\s*$/i)?.[1]
    if (bearer !== undefined) {
      const token = parseToken(bearer)
      return token ? this.#fromToken(token) : this.#fromSession(bearer)
    }
    if (authorization !== undefined) return undefined
    return sessionCookie === undefined ? undefined : this.#fromSession(sessionCookie)
  }

  /** Forgets what this process cached about a user or a token it just changed. */
  forgetUser(username: string): void {
    this.#users.forget(username)
  }
  forgetToken(id: string): void {
    this.#tokens.forget(id)
  }

  async #fromToken(parsed: ParsedToken): Promise<Principal | undefined> {
    const loaded = this.#tokens.load(parsed.id)
    const row = loaded instanceof Promise ? await loaded : loaded
    if (!row || row.kind !== parsed.kind || row.revoked_at !== null) return undefined
    if (row.expires_at !== null && row.expires_at.getTime() <= Date.now()) return undefined
    // A row read from the database is checked with SHA-256 once; the same row (until the cache
    // reads it again) then compares the secret it accepted, in constant time, and reuses the principal.
    const verified = this.#verified.get(row)
    if (verified) return sameSecret(parsed.secret, verified.secret) ? verified.principal : undefined
    if (!secretMatches(parsed.secret, row.secret_hash)) return undefined
    const principal = principalOf(row)
    this.#verified.set(row, { secret: Buffer.from(parsed.secret), principal })
    return principal
  }

  async #fromSession(token: string): Promise<Principal | undefined> {
    const claims = await this.#options.sessions.verify(token)
    if (!claims) return undefined
    const user = await this.#users.load(claims.username)
    if (!user || user.disabled || user.session_version !== claims.version) return undefined
    return { kind: 'user', name: user.username, role: user.role }
  }
}

function principalOf(row: TokenRow): Principal {
  if (row.kind === 'api_key') return { kind: 'api_key', name: row.id, role: row.role ?? undefined }
  return {
    kind: 'device',
    name: row.id,
    role: undefined,
    scope: {
      streams: row.streams ? new Set(row.streams) : undefined,
      sensorIds: row.sensor_ids ? new Set(row.sensor_ids) : undefined,
      tag: row.tag ?? undefined,
    },
  }
}

function sameSecret(given: string, accepted: Buffer): boolean {
  const bytes = Buffer.from(given)
  return bytes.length === accepted.length && timingSafeEqual(bytes, accepted)
}
