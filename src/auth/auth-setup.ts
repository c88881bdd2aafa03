import type { Config } from '../config/config.ts'
import type { Logger } from '../observability/logger.ts'
import { simulatedSensorIds } from '../roles/simulator/simulator.ts'
import type { Storage } from '../storage/storage.ts'
import { AUTH_OFF, type AuthGuard } from './access-hooks.ts'
import { Authenticator } from './authenticator.ts'
import { CredentialsRepository } from './credentials-repository.ts'
import { LoginLimiter } from './login-limiter.ts'
import { hashPassword } from './passwords.ts'
import { hashSecret, parseToken } from './secret-tokens.ts'
import { SessionTokens } from './session-tokens.ts'

/** What a role's app needs to check credentials; `authenticator` is undefined with `--auth off`. */
export interface AuthStack {
  readonly guard: AuthGuard
  readonly authenticator: Authenticator | undefined
  readonly credentials: CredentialsRepository
  /** Signs and checks console sessions (admin issues them; ingest accepts them too). */
  readonly sessions: SessionTokens
  /** Failed logins per account and address, shared by every admin replica through the database. */
  readonly loginLimiter: LoginLimiter
}

/** Builds the auth stack of a role. With `--auth off` it logs a warning nobody can miss. */
export async function createAuth(config: Config, storage: Storage, logger: Logger): Promise<AuthStack> {
  const credentials = new CredentialsRepository(storage.db)
  const sessions = new SessionTokens(
    async () => config.sessionSecret || credentials.signingSecret(),
    config.sessionTtlS,
  )
  if (config.auth === 'off') {
    logger.warn(
      '!!! AUTHENTICATION IS OFF (--auth off): anyone who can reach this process can read, write and delete everything. For local experiments only. !!!',
    )
    return {
      guard: { ...AUTH_OFF, metricsToken: config.metricsToken },
      authenticator: undefined,
      credentials,
      sessions,
      loginLimiter: new LoginLimiter(storage.db),
    }
  }
  const authenticator = new Authenticator({ credentials, sessions, cacheTtlMs: config.authCacheTtlMs })
  return {
    guard: { authenticator, off: false, metricsToken: config.metricsToken },
    authenticator,
    credentials,
    sessions,
    loginLimiter: new LoginLimiter(storage.db),
  }
}

/**
 * The first admin from `--admin-username`/`--admin-password`, and the automation key from
 * `--bootstrap-api-key` and the device token from `--bootstrap-device-token`, each stored (hashed)
 * when it does not exist yet. Idempotent: every
 * role may run it at start.
 */
export async function provisionFromSettings(config: Config, storage: Storage, logger: Logger): Promise<void> {
  const credentials = new CredentialsRepository(storage.db)
  if (config.adminUsername !== '' && config.adminPassword !== '') {
    const known = await credentials.usersByName([config.adminUsername])
    if (!known.has(config.adminUsername)) {
      const created = await credentials.createUser(
        config.adminUsername,
        'admin',
        await hashPassword(config.adminPassword),
        'system:settings',
      )
      if (created) logger.info({ username: config.adminUsername }, 'admin account created from the settings')
    }
  } else if (config.adminUsername !== '') {
    logger.warn('--admin-username is set without --admin-password: no account created')
  }
  const key = parseToken(config.bootstrapApiKey)
  if (key) {
    const stored = await credentials.adoptToken(
      key.id,
      hashSecret(key.secret),
      { kind: 'api_key', name: 'bootstrap (FLOWLINE_BOOTSTRAP_API_KEY)', role: 'admin' },
      'system:settings',
    )
    if (stored) logger.info({ tokenId: key.id }, 'bootstrap API key stored')
  }
  const device = parseToken(config.bootstrapDeviceToken)
  if (device) {
    const stored = await credentials.adoptToken(
      device.id,
      hashSecret(device.secret),
      {
        kind: 'device',
        name: 'bootstrap (FLOWLINE_BOOTSTRAP_DEVICE_TOKEN)',
        sensorIds: simulatedSensorIds(config.bootstrapDeviceSensors),
      },
      'system:settings',
    )
    if (stored) logger.info({ tokenId: device.id }, 'bootstrap device token stored')
  }
}
