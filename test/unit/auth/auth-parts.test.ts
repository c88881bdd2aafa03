import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import { allows } from '../../../src/auth/access.ts'
import { CachedLoader } from '../../../src/auth/cached-loader.ts'
import { hashPassword, verifyPassword } from '../../../src/auth/passwords.ts'
import { hashSecret, newToken, parseToken, secretMatches } from '../../../src/auth/secret-tokens.ts'
import { createLogger } from '../../../src/observability/logger.ts'

describe('auth parts', () => {
  it('makes tokens of 256 random bits with a visible prefix and id, and keeps only a hash', () => {
    const device = newToken('device')
    const parsed = parseToken(device.token)
    assert.equal(parsed?.kind, 'device')
    assert.equal(parsed?.id, device.id)
    assert.equal(Buffer.from(parsed?.secret ?? '', 'base64url').length, 32)
    assert.equal(device.secretHash, hashSecret(parsed?.secret ?? ''))
    assert.ok(!device.secretHash.includes(parsed?.secret ?? '-'))
    assert.ok(secretMatches(parsed?.secret ?? '', device.secretHash))
    assert.ok(!secretMatches('x'.repeat(43), device.secretHash))
    assert.equal(parseToken(newToken('api_key').token)?.kind, 'api_key')
    for (const bad of [
      '',
      'flt_',
      'flt_abc_def',
      `flx_${'a'.repeat(12)}_${'b'.repeat(43)}`,
      `${device.token}x`,
    ])
      assert.equal(parseToken(bad), undefined, bad)
  })

  it('hashes passwords with scrypt and verifies them', async () => {
    const hash = await hashPassword('correct horse battery')
    assert.match(hash, /^scrypt\$32768\$8\$1\$/)
    assert.ok(await verifyPassword('correct horse battery', hash))
    assert.ok(!(await verifyPassword('correct horse batterY', hash)))
    assert.ok(!(await verifyPassword('x', 'not-a-hash')))
  })

  it('ranks access: viewer < operator < admin; devices only on device routes; admin everywhere', () => {
    const user = (role: 'viewer' | 'operator' | 'admin') => ({ kind: 'user' as const, name: role, role })
    const device = { kind: 'device' as const, name: 'd', role: undefined }
    assert.ok(allows(undefined, 'public'))
    assert.ok(!allows(undefined, 'viewer'))
    assert.ok(allows(user('viewer'), 'viewer'))
    assert.ok(!allows(user('viewer'), 'operator'))
    assert.ok(allows(user('operator'), 'operator'))
    assert.ok(!allows(user('operator'), 'admin'))
    assert.ok(!allows(user('operator'), 'device'))
    assert.ok(allows(user('admin'), 'device'))
    assert.ok(allows(device, 'device'))
    assert.ok(!allows(device, 'viewer'))
  })

  it('admits device tokens only to the streams of their scope; producer routes also take operators', () => {
    const shop = {
      kind: 'device' as const,
      name: 'shop',
      role: undefined,
      scope: { streams: new Set(['stock-movements']), sensorIds: undefined, tag: undefined },
    }
    const sensorToken = { kind: 'device' as const, name: 's', role: undefined }
    assert.ok(allows(shop, 'producer', 'stock-movements'))
    assert.ok(!allows(shop, 'producer', 'product-events'))
    assert.ok(!allows(shop, 'device'), 'not measurements')
    assert.ok(
      !allows(sensorToken, 'producer', 'stock-movements'),
      'a token without streams: measurements only',
    )
    assert.ok(allows({ kind: 'user', name: 'o', role: 'operator' }, 'producer', 'stock-movements'))
    assert.ok(!allows({ kind: 'user', name: 'v', role: 'viewer' }, 'producer', 'stock-movements'))
    assert.ok(!allows({ kind: 'user', name: 'o', role: 'operator' }, 'device'))
  })

  it('loads keys in batches, caches them for the TTL, and serves recent entries while reads fail', async () => {
    const reads: string[][] = []
    let failing = false
    const loader = new CachedLoader<number>({
      read: async (keys) => {
        reads.push([...keys])
        if (failing) throw new Error('database down')
        return new Map(keys.filter((key) => key !== 'missing').map((key) => [key, key.length]))
      },
      ttlMs: 50,
      staleOnErrorMs: 10_000,
    })
    const [a, bb, missing, again] = await Promise.all([
      loader.load('a'),
      loader.load('bb'),
      loader.load('missing'),
      loader.load('a'),
    ])
    assert.deepEqual([a, bb, missing, again], [1, 2, undefined, 1])
    assert.deepEqual(reads, [['a', 'bb', 'missing']], 'one read for concurrent keys, each key once')
    assert.equal(loader.load('a'), 1, 'fresh: answered without a read')
    await new Promise((resolve) => setTimeout(resolve, 60))
    failing = true
    assert.equal(await loader.load('a'), 1, 'stale entry served while the read fails')
    await assert.rejects(Promise.resolve(loader.load('never-seen')), /database down/)
  })

  it('never logs credentials', () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk, _, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const real = createLogger('info', 'test', { destination: sink })
    real.info(
      {
        req: { headers: { authorization: 'Bearer flt_x_y', cookie: 'flowline_session=abc' } },
        password: 'hunter2hunter2',
        token: 'fla_z',
      },
      'oops',
    )
    const line = lines.join('')
    for (const secret of ['flt_x_y', 'flowline_session=abc', 'hunter2hunter2', 'fla_z'])
      assert.ok(!line.includes(secret), secret)
    assert.match(line, /\[redacted\]/)
  })
})
