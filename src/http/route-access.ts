import type { FastifyContextConfig } from 'fastify'

/** Roles of the auth contract, from the least to the most trusted. */
export type Access = 'public' | 'device' | 'viewer' | 'operator' | 'admin'

/**
 * A route's `config` naming the least role it needs: `config: access('viewer')`. The auth layer
 * types `config.access` and enforces it; until it is merged here, the cast stands in for its typing.
 */
export const access = (role: Access): FastifyContextConfig => ({ access: role }) as FastifyContextConfig
