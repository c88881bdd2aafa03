import type { FastifyInstance, InjectOptions } from 'fastify'
import { authHeaders } from '../../harness/credentials.ts'
import { type AuthStack, createAuth, provisionFromSettings } from '../../src/auth/auth-setup.ts'
import type { Storage } from '../../src/storage/storage.ts'
import { quietLogger, testConfig } from './pipeline.ts'

export { authHeaders, HARNESS_API_KEY } from '../../harness/credentials.ts'

/**
 * The auth stack of an in-process app, auth on, with the harness's admin API key stored in
 * `storage` (migrated): what `flowline admin` builds at start.
 */
export async function testAuth(storage: Storage): Promise<AuthStack> {
  const config = testConfig()
  await provisionFromSettings(config, storage, quietLogger())
  return createAuth(config, storage, quietLogger())
}

/** `app.inject` with the harness's admin credentials added (explicit headers win). */
export function authedInject(app: FastifyInstance) {
  return (request: string | InjectOptions) => {
    const options: InjectOptions = typeof request === 'string' ? { url: request } : request
    return app.inject({ ...options, headers: { ...authHeaders(), ...options.headers } })
  }
}
