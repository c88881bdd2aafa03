import { createHash, timingSafeEqual } from 'node:crypto'
import cookie from '@fastify/cookie'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { FlowlineError } from '../errors.ts'
import { toStorageError } from '../storage/storage-errors.ts'
import { type Access, AUTH_OFF_PRINCIPAL, allows } from './access.ts'
import { type Authenticator, SESSION_COOKIE } from './authenticator.ts'

/** What an app needs to check credentials. */
export interface AuthGuard {
  /** Undefined: no credential can be checked, so only public routes answer (or all, with `off`). */
  readonly authenticator: Authenticator | undefined
  /** `--auth off`: every request passes as an anonymous admin. */
  readonly off: boolean
  /** When not empty, /metrics wants `Authorization: Bearer <metricsToken>`. */
  readonly metricsToken: string
}

/** `--auth off`: every request passes as an anonymous admin. */
export const AUTH_OFF: AuthGuard = { authenticator: undefined, off: true, metricsToken: '' }

/** Roles that serve only probes and /metrics (saver, aggregator): anything else is refused. */
export function probesOnly(metricsToken: string): AuthGuard {
  return { authenticator: undefined, off: false, metricsToken }
}

/** Routes every app serves to anyone: probes, the OpenAPI document and Swagger UI, and /metrics (see metricsToken). */
const PUBLIC_PREFIXES = ['/health', '/ready', '/docs', '/metrics']

const SECURITY: Readonly<Record<Access, readonly Record<string, string[]>[]>> = {
  public: [],
  device: [{ deviceToken: [] }, { bearer: [] }],
  producer: [{ deviceToken: [] }, { bearer: [] }, { session: [] }],
  viewer: [{ bearer: [] }, { session: [] }],
  operator: [{ bearer: [] }, { session: [] }],
  admin: [{ bearer: [] }, { session: [] }],
}

export const SECURITY_SCHEMES = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'a session token from POST /auth/login, or a machine API key (fla_...)',
  },
  session: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: 'the cookie POST /auth/login sets',
  },
  deviceToken: { type: 'http', scheme: 'bearer', description: 'a device token (flt_...), for ingest' },
} as const

/**
 * Deny by default: a route that declares no `config.access` needs an admin. Must be installed
 * before any route (and before Swagger) so that every route passes through `onRoute`.
 */
export async function installAccessControl(app: FastifyInstance, guard: AuthGuard): Promise<void> {
  await app.register(cookie)
  app.addHook('onRoute', (route) => {
    const isPublic = PUBLIC_PREFIXES.some(
      (prefix) => route.url === prefix || route.url.startsWith(`${prefix}/`),
    )
    const access: Access = route.config?.access ?? (isPublic ? 'public' : 'admin')
    route.config = { ...route.config, access }
    if (route.schema && !route.schema.hide)
      route.schema = { ...route.schema, security: [...SECURITY[access]] }
  })
  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) return
    const access = request.routeOptions.config.access ?? 'admin'
    if (access === 'public') return
    if (guard.off) {
      request.principal = AUTH_OFF_PRINCIPAL
      return
    }
    if (!guard.authenticator) return unauthenticated(reply)
    const principal = await guard.authenticator
      .authenticate(request.headers.authorization, request.cookies[SESSION_COOKIE])
      .catch((error: unknown) => {
        throw toStorageError(error)
      })
    if (!principal) return unauthenticated(reply)
    const stream = request.routeOptions.config.stream
    if (!allows(principal, access, stream))
      throw new FlowlineError('FORBIDDEN', `This route needs ${accessNeeds(access, stream)}`)
    request.principal = principal
  })
}

function accessNeeds(access: Access, stream = 'measurements'): string {
  if (access === 'device') return `a device token scoped to the ${stream} stream, or the admin role`
  if (access === 'producer')
    return `a device token scoped to the ${stream} stream, or the operator role or above`
  return access === 'public' ? 'nothing' : `the ${access} role${access === 'admin' ? '' : ' or above'}`
}

/** 401 says nothing about why (no credential, a wrong one, an expired one): that would help a guesser. */
function unauthenticated(reply: FastifyReply): never {
  void reply.header('www-authenticate', 'Bearer realm="flowline"')
  throw new FlowlineError('UNAUTHENTICATED', 'Missing, expired or invalid credentials')
}

/** Whether a /metrics request carries the metrics token (always true when none is set). */
export function metricsAllowed(guard: AuthGuard, authorization: string | undefined): boolean {
  if (guard.metricsToken === '') return true
  const digest = (text: string) => createHash('sha256').update(text).digest()
  return timingSafeEqual(digest(authorization ?? ''), digest(`Bearer ${guard.metricsToken}`))
}
