import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
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

  it('asks for a key on its way once, refreshes ahead in place, and bounds an entry by when its read was sent', async () => {
    const reads: string[][] = []
    const answers: PromiseWithResolvers<void>[] = []
    let version = 1
    const loader = new CachedLoader<number>({
      read: async (keys) => {
        reads.push([...keys])
        const answer = Promise.withResolvers<void>()
        answers.push(answer)
        const value = version
        await answer.promise
        return new Map(keys.map((key) => [key, value]))
      },
      ttlMs: 1000,
      staleOnErrorMs: 10_000,
    })
    const t0 = Date.now()
    const first = loader.load('a', t0)
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(loader.load('a', t0), first, 'on its way: the same promise, no second read')
    answers[0]?.resolve()
    assert.equal(await first, 1)
    assert.equal(reads.length, 1)
    // Past half the TTL: served, and read again (within a tenth of the TTL, with the other keys
    // crossing half their TTL meanwhile) once however often it is asked for meanwhile.
    version = 2
    assert.equal(loader.load('a', t0 + 600), 1)
    await sleep(20)
    assert.equal(reads.length, 1, 'a refresh ahead waits for others')
    const b = loader.load('b', t0 + 600)
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(
      reads,
      [['a'], ['a', 'b']],
      'a key a caller waits for leaves at once, with the refreshes',
    )
    assert.equal(loader.load('a', t0 + 700), 1)
    await sleep(130)
    assert.equal(reads.length, 2, 'one refresh while one is on its way')
    answers[1]?.resolve()
    assert.equal(await b, 2)
    await sleep(5)
    // A refresh ahead waited for (the entry expired meanwhile) leaves at the next turn.
    const soon = Date.now()
    assert.equal(loader.load('b', soon + 600), 2)
    const waited = loader.load('b', soon + 1001)
    assert.ok(waited instanceof Promise)
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(reads.at(-1), ['b'], "not after the refreshes' wait")
    answers.at(-1)?.resolve()
    assert.equal(await waited, 2)
    assert.equal(loader.load('a', Date.now()), 2, 'the refresh replaced the value')
    // An answer is trusted from when its read was sent: past the TTL from then, it is read again.
    const expired = loader.load('a', Date.now() + 1000)
    assert.ok(expired instanceof Promise, 'expired one TTL after the refresh was sent')
    await new Promise((resolve) => setImmediate(resolve))
    answers.at(-1)?.resolve()
    assert.equal(await expired, 2)
  })

  it('renews entries of an unchanged versioned source with one version check, and reads them again after a change', async () => {
    const plain: string[][] = []
    const versioned: string[][] = []
    let checks = 0
    let version = 'v1'
    let value = 1
    const loader = new CachedLoader<number>({
      read: async (keys) => {
        plain.push([...keys])
        return new Map(keys.map((key) => [key, value]))
      },
      versioned: {
        read: async (keys) => {
          versioned.push([...keys])
          return { found: new Map(keys.map((key) => [key, value])), version }
        },
        version: async () => {
          checks += 1
          return version
        },
      },
      ttlMs: 1000,
      staleOnErrorMs: 10_000,
    })
    const keys = ['a', 'b', 'c']
    const loadAll = (ahead: number) => {
      const now = Date.now() + ahead
      return keys.map((key) => loader.load(key, now))
    }
    assert.deepEqual(await Promise.all(loadAll(0)), [1, 1, 1])
    assert.deepEqual(plain, [keys], 'keys first seen: a plain read')
    assert.deepEqual(loadAll(600), [1, 1, 1], 'past half the TTL: served')
    await sleep(130)
    assert.deepEqual(versioned, [keys], 'their refresh reads them with the version, in one read')
    assert.deepEqual(loadAll(600), [1, 1, 1])
    assert.deepEqual(loadAll(700), [1, 1, 1])
    await sleep(10)
    assert.equal(checks, 1, 'one version check for every key, not one read each')
    assert.deepEqual(loadAll(900), [1, 1, 1], 'renewed by the check: served')
    await sleep(10)
    assert.equal(checks, 2)
    assert.equal(versioned.length, 1, 'nothing read again while the version holds')

    // A change: the next check sees another version; the entries are served only until the TTL
    // from when they were last known true, then read (with the new version) before answering.
    version = 'v2'
    value = 2
    loadAll(600)
    await sleep(10)
    assert.equal(checks, 3)
    // Reads with the version (a look at the whole source) are made at most every quarter TTL.
    await sleep(250)
    const expired = loadAll(1001)
    assert.ok(
      expired.every((loaded) => loaded instanceof Promise),
      'not renewed by a check that saw a change',
    )
    assert.deepEqual(await Promise.all(expired), [2, 2, 2])
    assert.deepEqual(versioned.at(-1), keys)
    assert.deepEqual(loadAll(600), [2, 2, 2])
    await sleep(10)
    assert.equal(checks, 4, 'read in the new version: renewed by checks again')
    assert.deepEqual(loadAll(900), [2, 2, 2])

    // Changing again at once (sensors being registered): read by key, not with the version again.
    version = 'v3'
    loadAll(600)
    await sleep(10)
    assert.equal(checks, 5)
    const plainReads = plain.length
    assert.deepEqual(await Promise.all(loadAll(1001)), [2, 2, 2])
    assert.equal(versioned.length, 2, 'no second read with the version within a quarter TTL')
    assert.equal(plain.length, plainReads + 1)
    assert.deepEqual(plain.at(-1), keys)
  })

  it('serves an entry renewed by version checks stale while reads fail, counting from its last renewal', async () => {
    let failing = false
    const up = <T>(answer: T): T => {
      if (failing) throw new Error('database down')
      return answer
    }
    const loader = new CachedLoader<number>({
      read: async (keys) => up(new Map(keys.map((key) => [key, 1]))),
      versioned: {
        read: async (keys) => up({ found: new Map(keys.map((key) => [key, 1])), version: 'v' }),
        version: async () => up('v'),
      },
      ttlMs: 200,
      staleOnErrorMs: 400,
    })
    assert.equal(await loader.load('a'), 1)
    const started = Date.now()
    while (Date.now() - started < 800) {
      assert.equal(loader.load('a'), 1, 'read with the version, then renewed by checks: never waits')
      await sleep(25)
    }
    failing = true
    await sleep(210)
    assert.equal(await loader.load('a'), 1, 'read more than 400 ms ago, renewed less: served stale')
    await sleep(400)
    await assert.rejects(Promise.resolve(loader.load('a')), /database down/)
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
