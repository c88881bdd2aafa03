import { errors, jwtVerify, SignJWT } from 'jose'
import type { UserRole } from '../storage/schema.ts'

/** One algorithm, fixed: a token signed any other way (or not at all: `alg: none`) is refused. */
const ALGORITHM = 'HS256'
const ISSUER = 'flowline'
const AUDIENCE = 'flowline-admin'

export interface SessionClaims {
  readonly username: string
  readonly role: UserRole
  /** The user's session_version when the token was issued; a logout bumps it and ends the token. */
  readonly version: number
}

/** Signs and checks the short-lived session tokens that POST /auth/login issues. */
export class SessionTokens {
  readonly #secret: () => Promise<string>
  readonly #ttlS: number
  #key: Promise<Uint8Array> | undefined

  /** `secret` is read when first needed (from the database, say), and again after a failed read. */
  constructor(secret: () => Promise<string>, ttlS: number) {
    this.#secret = secret
    this.#ttlS = ttlS
  }

  #signingKey(): Promise<Uint8Array> {
    this.#key ??= this.#secret().then(
      (secret) => new TextEncoder().encode(secret),
      (error: unknown) => {
        this.#key = undefined
        throw error
      },
    )
    return this.#key
  }

  async issue(claims: SessionClaims): Promise<{ token: string; expiresAt: Date }> {
    const expiresAt = new Date(Math.floor(Date.now() / 1000 + this.#ttlS) * 1000)
    const token = await new SignJWT({ role: claims.role, ver: claims.version })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(claims.username)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(await this.#signingKey())
    return { token, expiresAt }
  }

  /** The claims of a valid token; undefined for anything expired, tampered, unsigned or of another issuer. */
  async verify(token: string): Promise<SessionClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, await this.#signingKey(), {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['exp', 'sub'],
      })
      if (typeof payload.sub !== 'string' || typeof payload.ver !== 'number') return undefined
      return { username: payload.sub, role: payload.role as UserRole, version: payload.ver }
    } catch (error) {
      if (error instanceof errors.JOSEError) return undefined
      throw error
    }
  }
}
