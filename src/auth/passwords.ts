import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto'

/** scrypt with N = 2^15, r = 8, p = 1 (OWASP's minimum is 2^17 with p = 1 for r = 8 at 64 MiB; this costs 32 MiB). */
const PARAMETERS = { N: 32768, r: 8, p: 1 } as const
const KEY_LENGTH = 32
const MAX_MEMORY = 64 * 1024 * 1024

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { ...options, maxmem: MAX_MEMORY }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  )
}

/**
 * `scrypt$N$r$p$salt$hash`, salt and hash in base64url: the parameters travel with the hash so they
 * can grow. Only tests pass `parameters` (cheaper ones, for accounts whose cost is not under test).
 */
export async function hashPassword(
  password: string,
  parameters: { readonly N: number; readonly r: number; readonly p: number } = PARAMETERS,
): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, parameters)
  const { N, r, p } = parameters
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

/** Compares in constant time. A malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false
  const expected = Buffer.from(hash, 'base64url')
  const key = await derive(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  })
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/** A hash of no password, verified against when the user does not exist, so that timing does not tell. */
let decoy: Promise<string> | undefined
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'))
  return decoy
}

/** A password for an account created by the program (the local admin), printed once. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url')
}
