import type { UserRole } from '../storage/schema.ts'

/**
 * The least credential a route needs, declared on the route as `config: { access }`:
 * `public` (anyone), `device` (a device token in scope, or an admin), `viewer` < `operator` <
 * `admin` (users and API keys of that role or above). A route that declares nothing needs `admin`.
 */
export type Access = 'public' | 'device' | 'viewer' | 'operator' | 'admin'

export const ACCESS_LEVELS: readonly Access[] = ['public', 'device', 'viewer', 'operator', 'admin']
export const USER_ROLES: readonly UserRole[] = ['viewer', 'operator', 'admin']

/** Which sensors a device token may write: those listed, or those carrying the tag in the registry. */
export interface DeviceScope {
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
  }
  interface FastifyRequest {
    /** Set by the access hook before the handler runs; undefined only on public routes. */
    principal?: Principal
  }
}

const RANK: Readonly<Record<UserRole, number>> = { viewer: 1, operator: 2, admin: 3 }

/** Whether `principal` may call a route that needs `access`. */
export function allows(principal: Principal | undefined, access: Access): boolean {
  if (access === 'public') return true
  if (principal === undefined) return false
  if (access === 'device') return principal.kind === 'device' || principal.role === 'admin'
  if (principal.role === undefined) return false
  return RANK[principal.role] >= RANK[access]
}

/** With --auth off every request acts as this principal; the start log says so loudly. */
export const AUTH_OFF_PRINCIPAL: Principal = {
  kind: 'anonymous',
  name: 'anonymous (auth off)',
  role: 'admin',
}
