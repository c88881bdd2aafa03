import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { type Access, allows, type Principal } from '../../../src/auth/access.ts'
import { CredentialsRepository } from '../../../src/auth/credentials-repository.ts'
import type { UserRole } from '../../../src/storage/schema.ts'
import { HARNESS_API_KEY } from '../../helpers/credentials.ts'
import {
  adminApp,
  bearer,
  createUser,
  type FreshStorage,
  ingestApp,
  login,
  logWithTopic,
  reading,
} from './platform-fixtures.ts'

const RUN_ID = '00000000-0000-0000-0000-000000000000'

interface RouteCase {
  readonly app: 'admin' | 'ingest'
  readonly method: InjectOptions['method']
  /** As the OpenAPI document names it. */
  readonly path: string
  readonly url: string
  readonly access: Access
  readonly payload?: unknown
  /** A server-sent events route: called over a socket and dropped once the status is known. */
  readonly events?: boolean
  /** The stream a `device` or `producer` route publishes to (default measurements). */
  readonly stream?: string
  /**
   * Forwarded to the ETL worker (none listens in this test): an allowed caller passes the admin's
   * check and gets 503 ETL_UNAVAILABLE. The worker's own check is in the ETL contract.
   */
  readonly forwarded?: boolean
}

/**
 * Every documented route of both apps and the least credential it needs. The test checks the
 * table against the OpenAPI documents, so a new route without a row here fails it.
 */
const ROUTES: readonly RouteCase[] = [
  { app: 'admin', method: 'GET', path: '/measurements', url: '/measurements', access: 'viewer' },
  { app: 'admin', method: 'GET', path: '/windows', url: '/windows?size=1m', access: 'viewer' },
  {
    app: 'admin',
    method: 'GET',
    path: '/sensors/{id}/windows',
    url: '/sensors/s1/windows?size=1m',
    access: 'viewer',
  },
  { app: 'admin', method: 'GET', path: '/alerts', url: '/alerts', access: 'viewer' },
  { app: 'admin', method: 'GET', path: '/sensors', url: '/sensors', access: 'viewer' },
  { app: 'admin', method: 'GET', path: '/sensor-overview', url: '/sensor-overview', access: 'viewer' },
  {
    app: 'admin',
    method: 'GET',
    path: '/sensors/{id}/series',
    url: `/sensors/s1/series?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`,
    access: 'viewer',
  },
  {
    app: 'admin',
    method: 'GET',
    path: '/sensors/{id}/live',
    url: '/sensors/s1/live',
    access: 'viewer',
    events: true,
  },
  { app: 'admin', method: 'GET', path: '/alerts/live', url: '/alerts/live', access: 'viewer', events: true },
  { app: 'admin', method: 'GET', path: '/sensors/{id}', url: '/sensors/s1', access: 'viewer' },
  {
    app: 'admin',
    method: 'POST',
    path: '/sensors/{id}',
    url: '/sensors/new-1',
    access: 'operator',
    payload: {},
  },
  {
    app: 'admin',
    method: 'PATCH',
    path: '/sensors/{id}',
    url: '/sensors/s1',
    access: 'operator',
    payload: { name: 'x' },
  },
  { app: 'admin', method: 'DELETE', path: '/sensors/{id}', url: '/sensors/missing', access: 'operator' },
  {
    app: 'admin',
    method: 'POST',
    path: '/auth/login',
    url: '/auth/login',
    access: 'public',
    payload: { username: 'nobody', password: 'x' },
  },
  { app: 'admin', method: 'GET', path: '/auth/me', url: '/auth/me', access: 'viewer' },
  { app: 'admin', method: 'GET', path: '/users', url: '/users', access: 'admin' },
  { app: 'admin', method: 'POST', path: '/users', url: '/users', access: 'admin', payload: {} },
  {
    app: 'admin',
    method: 'PATCH',
    path: '/users/{username}',
    url: '/users/nobody',
    access: 'admin',
    payload: { disabled: true },
  },
  { app: 'admin', method: 'DELETE', path: '/users/{username}', url: '/users/nobody', access: 'admin' },
  { app: 'admin', method: 'GET', path: '/tokens', url: '/tokens', access: 'admin' },
  { app: 'admin', method: 'POST', path: '/tokens', url: '/tokens', access: 'admin', payload: {} },
  {
    app: 'admin',
    method: 'POST',
    path: '/tokens/{id}/revoke',
    url: '/tokens/aaaaaaaaaaaa/revoke',
    access: 'admin',
  },
  {
    app: 'admin',
    method: 'POST',
    path: '/tokens/{id}/rotate',
    url: '/tokens/aaaaaaaaaaaa/rotate',
    access: 'admin',
    payload: {},
  },
  { app: 'admin', method: 'GET', path: '/products', url: '/products', access: 'viewer' },
  { app: 'admin', method: 'GET', path: '/products/{sku}', url: '/products/SKU-1', access: 'viewer' },
  {
    app: 'admin',
    method: 'GET',
    path: '/products/{sku}/stock',
    url: '/products/SKU-1/stock',
    access: 'viewer',
  },
  {
    app: 'admin',
    method: 'GET',
    path: '/products/{sku}/movements',
    url: '/products/SKU-1/movements',
    access: 'viewer',
  },
  {
    app: 'admin',
    method: 'GET',
    path: '/products/{sku}/events',
    url: '/products/SKU-1/events',
    access: 'viewer',
  },
  {
    app: 'admin',
    method: 'GET',
    path: '/measurements/lookup',
    url: '/measurements/lookup?sensor_id=s1&timestamp=2026-01-01T00:00:00Z',
    access: 'viewer',
  },
  {
    app: 'admin',
    method: 'GET',
    path: '/measurements/journey',
    url: '/measurements/journey?sensor_id=s1&timestamp=2026-01-01T00:00:00Z',
    access: 'viewer',
  },
  { app: 'admin', method: 'GET', path: '/dead-letters', url: '/dead-letters', access: 'viewer' },
  { app: 'admin', method: 'GET', path: '/dead-letters/{id}', url: '/dead-letters/1', access: 'viewer' },
  {
    app: 'admin',
    method: 'GET',
    path: '/dead-letters/redrives/{id}',
    url: '/dead-letters/redrives/1',
    access: 'viewer',
  },
  {
    app: 'admin',
    method: 'POST',
    path: '/dead-letters/{id}/redrive',
    url: '/dead-letters/1/redrive',
    access: 'operator',
    payload: {},
  },
  {
    app: 'admin',
    method: 'POST',
    path: '/dead-letters/{id}/discard',
    url: '/dead-letters/1/discard',
    access: 'operator',
    payload: {},
  },
  {
    app: 'admin',
    method: 'POST',
    path: '/dead-letters/redrive',
    url: '/dead-letters/redrive',
    access: 'operator',
    payload: { dry_run: true },
  },
  {
    app: 'admin',
    method: 'POST',
    path: '/alerts/{id}/acknowledge',
    url: '/alerts/1/acknowledge',
    access: 'operator',
  },
  {
    app: 'admin',
    method: 'GET',
    path: '/etl/pipelines',
    url: '/etl/pipelines',
    access: 'viewer',
    forwarded: true,
  },
  { app: 'admin', method: 'GET', path: '/etl/runs', url: '/etl/runs', access: 'viewer', forwarded: true },
  {
    app: 'admin',
    method: 'POST',
    path: '/etl/runs',
    url: '/etl/runs',
    access: 'operator',
    payload: { pipeline: 'daily-rollups' },
    forwarded: true,
  },
  {
    app: 'admin',
    method: 'GET',
    path: '/etl/runs/{id}',
    url: `/etl/runs/${RUN_ID}`,
    access: 'viewer',
    forwarded: true,
  },
  {
    app: 'admin',
    method: 'GET',
    path: '/etl/runs/{id}/logs',
    url: `/etl/runs/${RUN_ID}/logs`,
    access: 'viewer',
    forwarded: true,
  },
  {
    app: 'admin',
    method: 'GET',
    path: '/etl/runs/{id}/events',
    url: `/etl/runs/${RUN_ID}/events`,
    access: 'viewer',
    forwarded: true,
  },
  {
    app: 'admin',
    method: 'POST',
    path: '/etl/runs/{id}/retry',
    url: `/etl/runs/${RUN_ID}/retry`,
    access: 'operator',
    forwarded: true,
  },
  {
    app: 'admin',
    method: 'POST',
    path: '/etl/runs/{id}/cancel',
    url: `/etl/runs/${RUN_ID}/cancel`,
    access: 'operator',
    forwarded: true,
  },
  { app: 'admin', method: 'GET', path: '/stock-alerts', url: '/stock-alerts', access: 'viewer' },
  { app: 'admin', method: 'GET', path: '/reports/throughput', url: '/reports/throughput', access: 'viewer' },
  {
    app: 'admin',
    method: 'GET',
    path: '/reports/temperatures',
    url: '/reports/temperatures',
    access: 'viewer',
  },
  {
    app: 'admin',
    method: 'GET',
    path: '/reports/stock-turnover',
    url: '/reports/stock-turnover',
    access: 'viewer',
  },
  { app: 'admin', method: 'POST', path: '/products', url: '/products', access: 'operator', payload: {} },
  {
    app: 'admin',
    method: 'PATCH',
    path: '/products/{sku}',
    url: '/products/SKU-1',
    access: 'operator',
    payload: { name: 'x' },
  },
  { app: 'admin', method: 'DELETE', path: '/products/{sku}', url: '/products/SKU-1', access: 'operator' },
  {
    app: 'ingest',
    method: 'POST',
    path: '/stock-movements',
    url: '/stock-movements',
    access: 'producer',
    stream: 'stock-movements',
    payload: [],
  },
  {
    app: 'ingest',
    method: 'POST',
    path: '/product-events',
    url: '/product-events',
    access: 'producer',
    stream: 'product-events',
    payload: [],
  },
  {
    app: 'ingest',
    method: 'POST',
    path: '/product-versions',
    url: '/product-versions',
    access: 'producer',
    stream: 'products',
    payload: [],
  },
  {
    app: 'ingest',
    method: 'POST',
    path: '/measurements',
    url: '/measurements',
    access: 'device',
    payload: reading('s1'),
  },
  // Last: it ends the caller's sessions.
  { app: 'admin', method: 'POST', path: '/auth/logout', url: '/auth/logout', access: 'viewer' },
]

interface Caller {
  readonly name: string
  readonly principal: Principal | undefined
  readonly headers: InjectOptions['headers']
}

/** Each route × each kind of caller: allowed exactly when the role table says so, else 401 or 403. */
export async function everyRouteEveryRole(t: TestContext, freshStorage: FreshStorage): Promise<void> {
  const storage = await freshStorage(t)
  await storage.migrate()
  const { broker, topic } = await logWithTopic(t)
  const { app: admin } = await adminApp(t, storage, broker)
  const ingest = await ingestApp(t, storage, broker, topic)
  const apps = { admin, ingest }

  for (const [name, app] of Object.entries(apps)) {
    const documented = Object.entries(
      (await app.inject('/docs/json')).json().paths as Record<string, object>,
    ).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    )
    const tabled = ROUTES.filter((route) => route.app === name).map(
      (route) => `${route.method} ${route.path}`,
    )
    assert.deepEqual(new Set(tabled), new Set(documented), `the ${name} table lists every documented route`)
  }

  const spec = (await admin.inject('/docs/json')).json()
  assert.deepEqual(Object.keys(spec.components.securitySchemes).sort(), ['bearer', 'deviceToken', 'session'])
  assert.deepEqual(spec.paths['/users'].get.security, [{ bearer: [] }, { session: [] }])
  assert.deepEqual(spec.paths['/auth/login'].post.security, [], 'login is public')
  const ingestSpec = (await ingest.inject('/docs/json')).json()
  assert.deepEqual(ingestSpec.paths['/measurements'].post.security, [{ deviceToken: [] }, { bearer: [] }])

  const credentials = new CredentialsRepository(storage.db)
  const callers: Caller[] = [{ name: 'no credential', principal: undefined, headers: {} }]
  for (const role of ['viewer', 'operator', 'admin'] as UserRole[]) {
    await createUser(storage, `${role}-user`, role)
    callers.push({
      name: `${role} session`,
      principal: { kind: 'user', name: `${role}-user`, role },
      headers: bearer(await login(admin, `${role}-user`)),
    })
    const { token } = await credentials.createToken({ kind: 'api_key', name: role, role }, 'test')
    callers.push({
      name: `${role} API key`,
      principal: { kind: 'api_key', name: role, role },
      headers: bearer(token),
    })
  }
  const device = await credentials.createToken({ kind: 'device', name: 'dev', sensorIds: ['s1'] }, 'test')
  callers.push({
    name: 'device token',
    principal: { kind: 'device', name: 'dev', role: undefined },
    headers: bearer(device.token),
  })
  const shop = await credentials.createToken(
    { kind: 'device', name: 'shop', streams: ['stock-movements', 'product-events', 'products'] },
    'test',
  )
  callers.push({
    name: 'inventory device token',
    principal: {
      kind: 'device',
      name: 'shop',
      role: undefined,
      scope: {
        streams: new Set(['stock-movements', 'product-events', 'products']),
        sensorIds: undefined,
        tag: undefined,
      },
    },
    headers: bearer(shop.token),
  })
  callers.push({
    name: 'harness admin key',
    principal: { kind: 'api_key', name: 'harness', role: 'admin' },
    headers: bearer(HARNESS_API_KEY),
  })

  const failures: string[] = []
  for (const route of ROUTES)
    for (const caller of callers) {
      const response = route.events
        ? await streamStatus(apps[route.app], route.url, caller.headers)
        : await apps[route.app].inject({
            method: route.method,
            url: route.url,
            headers: caller.headers,
            ...(route.payload === undefined ? {} : { payload: route.payload as object }),
          })
      const allowed = allows(caller.principal, route.access, route.stream)
      const refusal = caller.principal === undefined ? 401 : 403
      // Allowed: any answer but a refusal (a wrong login password is a 401 of its own) and no 5xx.
      const refused =
        response.statusCode === 403 || (route.access !== 'public' && response.statusCode === 401)
      const passed = response.statusCode < 500 || (route.forwarded === true && response.statusCode === 503)
      const right = allowed ? !refused && passed : response.statusCode === refusal
      if (!right)
        failures.push(
          `${route.app} ${route.method} ${route.url} as ${caller.name}: ${response.statusCode} (${allowed ? 'allowed' : `expected ${refusal}`})`,
        )
    }
  assert.deepEqual(failures, [])
}

/** The status of a GET on an event stream: the app listens on a free port, the stream is dropped at once. */
async function streamStatus(
  app: FastifyInstance,
  url: string,
  headers: InjectOptions['headers'],
): Promise<{ statusCode: number }> {
  if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const dropped = new AbortController()
  const response = await fetch(`http://127.0.0.1:${port}${url}`, {
    headers: headers as Record<string, string>,
    signal: dropped.signal,
  })
  dropped.abort()
  return { statusCode: response.status }
}
