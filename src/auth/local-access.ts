import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Storage } from '../storage/storage.ts'
import { CredentialsRepository } from './credentials-repository.ts'
import { generatePassword, hashPassword } from './passwords.ts'

export interface LocalAdmin {
  readonly username: string
  /** Undefined when accounts existed before and the password file is gone. */
  readonly password: string | undefined
  readonly passwordFile: string
}

const LOCAL_ADMIN = 'admin'

/**
 * `npm start` (up --embedded): a newcomer must not be locked out. The first start, with no
 * account yet, creates `admin` with a random password kept in `<data-dir>/local-admin-password`
 * (mode 0600, like Jenkins' initialAdminPassword; the database holds only its hash).
 */
export async function provisionLocalAdmin(storage: Storage, dataDir: string): Promise<LocalAdmin> {
  const credentials = new CredentialsRepository(storage.db)
  const passwordFile = join(dataDir, 'local-admin-password')
  if ((await credentials.countUsers()) === 0) {
    const password = generatePassword()
    await credentials.createUser(LOCAL_ADMIN, 'admin', await hashPassword(password), 'system:npm-start')
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 })
    return { username: LOCAL_ADMIN, password, passwordFile }
  }
  const password = await readFile(passwordFile, 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  )
  return { username: LOCAL_ADMIN, password, passwordFile }
}

/** `up` with its simulator and no --device-token: a device token for the simulated sensors, valid a day. */
export async function provisionSimulatorToken(
  storage: Storage,
  sensorIds: readonly string[],
): Promise<string> {
  const { token } = await new CredentialsRepository(storage.db).createToken(
    {
      kind: 'device',
      name: 'simulator (flowline up)',
      sensorIds,
      expiresAt: new Date(Date.now() + 86_400_000),
    },
    'system:up',
  )
  return token
}
