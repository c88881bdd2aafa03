import type { UserRole } from '../storage/schema.ts'

/**
 * The least credential a route needs, declared on the route as `config: { access }`:
 * `public` (anyone), `device` (a device token scoped to the route's stream, or an admin),
 * `producer` (a device token scoped to the route's stream, or an operator or admin), `viewer` <
 * `operator` < `admin` (users and API keys of that role or above). A route that declares nothing
 * needs `admin`. The stream of a `device` or `producer` route is `config.stream` (default `measurements`).
 */
export type Access = 'public' | 'device' | 'producer' | 'viewer' | 'operator' | 'admin'

export const ACCESS_LEVELS: readonly Access[] = [
  'public',
  'device',
  'producer',
  'viewer',
  'operator',
  'admin',
]

/** The stream a device token may post to when its row names none: the only one before migration 0014. */
export const DEFAULT_DEVICE_STREAMS: readonly string[] = ['measurements']
export const USER_ROLES: readonly UserRole[] = ['viewer', 'operator', 'admin']

/**
 * What a device token may write: the streams it may post to, and for measurements the sensors
 * listed or those carrying the tag in the registry.
 */
export interface DeviceScope {
  readonly streams?: ReadonlySet<string>
  readonly sensorIds: ReadonlySet<string> | undefined
  readonly tag: string | undefined
}

/** Who made a request, once their credential checked out. */
export interface Principal {
  readonly kind: 'user' | 'api_key' | 'device' | 'anonymous'
  /** The user name, or the token's id: what the audit log records. */
  readonly name: string
  readonly role: UserRole | undefined
  readonly scope?: DeviceScope
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least credential this route needs; see `Access`. */
    access?: Access
    /** The stream a `device` or `producer` route publishes to; a device token must be scoped to it. */
    stream?: string
  }
  interface FastifyRequest {
    /** Set by the access hook before the handler runs; undefined only on public routes. */
    principal?: Principal
  }
}

const RANK: Readonly<Record<UserRole, number>> = { viewer: 1, operator: 2, admin: 3 }

/** Whether `principal` may call a route that needs `access` (publishing to `stream`, for device and producer routes). */
export function allows(
  principal: Principal | undefined,
  access: Access,
  stream = DEFAULT_DEVICE_STREAMS[0] as string,
): boolean {
  if (access === 'public') return true
  if (principal === undefined) return false
  if (principal.kind === 'device')
    return (access === 'device' || access === 'producer') && deviceStreams(principal).has(stream)
  if (principal.role === undefined) return false
  const needed = access === 'device' ? 'admin' : access === 'producer' ? 'operator' : access
  return RANK[principal.role] >= RANK[needed]
}

const DEFAULT_STREAM_SET: ReadonlySet<string> = new Set(DEFAULT_DEVICE_STREAMS)

function deviceStreams(principal: Principal): ReadonlySet<string> {
  return principal.scope?.streams ?? DEFAULT_STREAM_SET
}

/** With --auth off every request acts as this principal; the start log says so loudly. */
export const AUTH_OFF_PRINCIPAL: Principal = {
  kind: 'anonymous',
  name: 'anonymous (auth off)',
  role: 'admin',
}
