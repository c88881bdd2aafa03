import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { SignJWT } from 'jose'
import { CredentialsRepository } from '../../../src/auth/credentials-repository.ts'
import { LoginLimiter } from '../../../src/auth/login-limiter.ts'
import { adminApp, bearer, createUser, type FreshStorage, login, PASSWORD } from './platform-fixtures.ts'

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Login, wrong passwords, lockout, and every way a session token can be forged or stale. */
export async function loginAndSessions(t: TestContext, freshStorage: FreshStorage): Promise<void> {
  const storage = await freshStorage(t)
  await storage.migrate()
  const { app } = await adminApp(t, storage)
  await createUser(storage, 'ada', 'operator')

  const ok = await app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { username: 'ada', password: PASSWORD },
  })
  assert.equal(ok.statusCode, 200, ok.body)
  const body = ok.json()
  assert.deepEqual(body.user, { username: 'ada', role: 'operator' })
  assert.ok(Date.parse(body.expires_at) > Date.now())
  const cookie = String(ok.headers['set-cookie'])
  assert.match(cookie, /^flowline_session=[^;]+;/)
  assert.match(cookie, /HttpOnly/)
  assert.match(cookie, /SameSite=Strict/)
  const me = await app.inject({ url: '/auth/me', headers: bearer(body.token) })
  assert.deepEqual(me.json(), { username: 'ada', role: 'operator' })
  const byCookie = await app.inject({ url: '/auth/me', cookies: { flowline_session: body.token } })
  assert.deepEqual(byCookie.json(), { username: 'ada', role: 'operator' })

  const wrong = await app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { username: 'ada', password: 'nope' },
  })
  assert.equal(wrong.statusCode, 401)
  const unknown = await app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { username: 'nobody', password: 'x' },
  })
  assert.equal(unknown.statusCode, 401)
  assert.equal(
    unknown.json().message,
    wrong.json().message,
    'an unknown user and a wrong password look the same',
  )

  // Forged and stale tokens, signed with the real key where the attack needs it.
  const secret = new TextEncoder().encode(await new CredentialsRepository(storage.db).signingSecret())
  const claims = { role: 'admin', ver: 0 }
  const signed = (alg: string, exp: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg })
      .setSubject('ada')
      .setIssuer('flowline')
      .setAudience('flowline-admin')
      .setExpirationTime(exp)
      .sign(secret)
  const [header, payload, signature] = body.token.split('.')
  const forged = {
    expired: await signed('HS256', Math.floor(Date.now() / 1000) - 10),
    'another algorithm (HS512)': await signed('HS512', Math.floor(Date.now() / 1000) + 600),
    'alg none': `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    'no signature': `${header}.${payload}.`,
    tampered: `${header}.${encode({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' })}.${signature}`,
    'another audience': await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ada')
      .setIssuer('flowline')
      .setAudience('other')
      .setExpirationTime('5m')
      .sign(secret),
    garbage: 'not.a.token',
  }
  for (const [name, token] of Object.entries(forged)) {
    const response = await app.inject({ url: '/auth/me', headers: bearer(token) })
    assert.equal(response.statusCode, 401, `${name}: ${response.body}`)
    assert.equal(response.headers['www-authenticate'], 'Bearer realm="flowline"')
  }

  const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(body.token) })
  assert.equal(logout.statusCode, 204)
  assert.match(String(logout.headers['set-cookie']), /flowline_session=;/)
  assert.equal(
    (await app.inject({ url: '/auth/me', headers: bearer(body.token) })).statusCode,
    401,
    'logged out',
  )

  // Lockout: 5 failures lock the account (even from another address, even with the right password).
  for (let attempt = 0; attempt < 4; attempt++)
    await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'ada', password: 'wrong' } })
  const locked = await app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { username: 'ada', password: PASSWORD },
    remoteAddress: '10.0.0.9',
  })
  assert.equal(locked.statusCode, 429, locked.body)
  assert.equal(locked.json().code, 'TOO_MANY_ATTEMPTS')
  assert.ok(Number(locked.headers['retry-after']) > 0 && Number(locked.headers['retry-after']) <= 900)
  // Per address: 20 failures from one address, over many names, lock that address out.
  for (let attempt = 0; attempt < 20; attempt++)
    await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: `spray${attempt}`, password: 'x' },
      remoteAddress: '10.0.0.7',
    })
  await createUser(storage, 'bob', 'viewer')
  const sprayed = await app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { username: 'bob', password: PASSWORD },
    remoteAddress: '10.0.0.7',
  })
  assert.equal(sprayed.statusCode, 429)
  assert.ok(await login(app, 'bob'), 'bob logs in from another address')
}

/** The only enabled admin cannot be deleted, demoted or disabled (409), also by two admins racing. */
export async function lastAdmin(t: TestContext, freshStorage: FreshStorage): Promise<void> {
  const storage = await freshStorage(t)
  await storage.migrate()
  const { app } = await adminApp(t, storage)
  await createUser(storage, 'ada', 'admin')
  await createUser(storage, 'bob', 'operator')
  // A password change ends the account's sessions: `ada` logs in again after it.
  let ada = bearer(await login(app, 'ada'))
  const change = (username: string, payload: object) =>
    app.inject({ method: 'PATCH', url: `/users/${username}`, headers: ada, payload })
  const remove = (username: string) =>
    app.inject({ method: 'DELETE', url: `/users/${username}`, headers: ada })

  for (const refused of [
    await change('ada', { role: 'operator' }),
    await change('ada', { disabled: true }),
    await remove('ada'),
  ]) {
    assert.equal(refused.statusCode, 409, refused.body)
    assert.equal(refused.json().code, 'LAST_ADMIN')
    assert.match(refused.json().message, /ada: it is the only enabled admin/)
  }
  assert.equal(
    (await change('ada', { password: 'another long passphrase' })).statusCode,
    200,
    'other changes pass',
  )
  ada = bearer(await login(app, 'ada', 'another long passphrase'))
  assert.equal((await remove('bob')).statusCode, 204, 'other accounts may go')

  // A second admin: either may now go, but not both; a disabled admin does not count.
  await createUser(storage, 'cy', 'admin')
  const credentials = new CredentialsRepository(storage.db)
  const raced = await Promise.allSettled([
    credentials.updateUser('ada', { role: 'viewer' }, 'test'),
    credentials.updateUser('cy', { disabled: true }, 'test'),
  ])
  assert.deepEqual(
    raced.map((outcome) => outcome.status).sort(),
    ['fulfilled', 'rejected'],
    'two admins demoting each other at once: one is refused',
  )
  const admins = (await credentials.listUsers()).filter((user) => user.role === 'admin' && !user.disabled)
  assert.equal(admins.length, 1, 'one enabled admin is left')
  const last = admins[0]?.username as string
  const asLast = last === 'ada' ? ada : bearer(await login(app, 'cy'))
  const refused = await app.inject({ method: 'DELETE', url: `/users/${last}`, headers: asLast })
  assert.equal(refused.statusCode, 409, refused.body)
  const audit = await storage.db.selectFrom('auth_users').select('username').execute()
  assert.ok(
    audit.some((row) => row.username === last),
    'the last admin is still there',
  )
}

/**
 * Login limits hold across admin replicas: two admin apps on one database share the failure
 * counts (3 failures on one and 2 on the other lock the account on both), and the window logic.
 */
export async function sharedLoginLimits(t: TestContext, freshStorage: FreshStorage): Promise<void> {
  const storage = await freshStorage(t)
  await storage.migrate()
  const { app: first } = await adminApp(t, storage)
  const { app: second } = await adminApp(t, storage)
  await createUser(storage, 'ada', 'viewer')
  const attempt = (app: FastifyInstance, password: string, remoteAddress = '10.0.0.1') =>
    app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'ada', password }, remoteAddress })
  for (let i = 0; i < 3; i++) assert.equal((await attempt(first, 'wrong')).statusCode, 401)
  for (let i = 0; i < 2; i++) assert.equal((await attempt(second, 'wrong', '10.0.0.2')).statusCode, 401)
  for (const app of [first, second]) {
    const locked = await attempt(app, PASSWORD, '10.0.0.3')
    assert.equal(locked.statusCode, 429, 'five failures over two replicas lock the account on both')
    const retryAfter = Number(locked.headers['retry-after'])
    assert.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`)
  }

  // The window, with explicit clocks: a user name is compared without case, an ended window starts over.
  const limiter = new LoginLimiter(storage.db, { perAccount: 5, perAddress: 20, windowMs: 60_000 })
  const t0 = Date.now() + 3_600_000
  for (let i = 0; i < 5; i++) await limiter.failed('Bob', '10.0.1.1', t0)
  assert.equal(await limiter.retryAfterS('bob', '10.0.1.2', t0 + 1000), 59)
  assert.equal(await limiter.retryAfterS('bob', '10.0.1.2', t0 + 60_000), 0, 'the window ended')
  await limiter.failed('bob', '10.0.1.2', t0 + 60_000)
  assert.equal(await limiter.retryAfterS('bob', '10.0.1.2', t0 + 60_001), 0, 'and counting starts over')
  for (let i = 0; i < 20; i++) await limiter.failed(`u${i}`, '10.0.1.3', t0)
  assert.ok((await limiter.retryAfterS('carl', '10.0.1.3', t0)) > 0, 'a sprayed address is locked')
  assert.equal(await limiter.retryAfterS('carl', '10.0.1.4', t0), 0)
  await limiter.succeeded('BOB')
  assert.equal(
    await storage.db
      .selectFrom('login_failures')
      .select('key')
      .where('key', '=', 'bob')
      .where('kind', '=', 'account')
      .executeTakeFirst(),
    undefined,
    'a success clears the account',
  )
}
