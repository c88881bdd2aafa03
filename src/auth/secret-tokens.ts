import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** `flt_` marks a device token, `fla_` a machine API key; the prefix makes a leaked one easy to scan for. */
export const TOKEN_PREFIXES = { device: 'flt', api_key: 'fla' } as const
export type TokenKind = keyof typeof TOKEN_PREFIXES

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
const TOKEN_PATTERN = /^(flt|fla)_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/

export interface ParsedToken {
  readonly kind: TokenKind
  readonly id: string
  readonly secret: string
}

export interface NewToken {
  readonly id: string
  /** The whole token: shown once, never stored. */
  readonly token: string
  readonly secretHash: string
}

/** A new token: a public id and a 256-bit random secret, `<prefix>_<id>_<secret>`. */
export function newToken(kind: TokenKind): NewToken {
  const bytes = randomBytes(12)
  const id = Array.from(bytes, (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('')
  const secret = randomBytes(32).toString('base64url')
  return { id, token: `${TOKEN_PREFIXES[kind]}_${id}_${secret}`, secretHash: hashSecret(secret) }
}

export function parseToken(raw: string): ParsedToken | undefined {
  const match = TOKEN_PATTERN.exec(raw)
  if (!match) return undefined
  const [, prefix, id, secret] = match as unknown as [string, string, string, string]
  return { kind: prefix === 'flt' ? 'device' : 'api_key', id, secret }
}

/** SHA-256 is enough for 256 random bits: nobody can search that space, slow hash or not. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex')
  const stored = Buffer.from(storedHash, 'hex')
  return given.length === stored.length && timingSafeEqual(given, stored)
}
