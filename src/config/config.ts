import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import { parseWindowSpec } from '../domain/window-spec.ts'
import { type Config, type Role, SETTINGS, type Setting } from './settings.ts'

export type { Config } from './settings.ts'

export class ConfigError extends Error {
  static readonly code = 'FLOWLINE_BAD_SETTING'
  readonly code = ConfigError.code
}

const ajv = new Ajv({ coerceTypes: true, allErrors: false })

/** The name under which commander stores a flag: `ingest-port` becomes `ingestPort`. */
export function flagProperty(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())
}

function parseBoolean(raw: string): boolean | string {
  if (/^(1|true|yes|on)$/i.test(raw)) return true
  if (/^(0|false|no|off)$/i.test(raw)) return false
  return raw
}

/**
 * A secret may come from a file (`DATABASE_URL_FILE=/run/secrets/db-url`), the way Docker and
 * Kubernetes mount secrets. The file's content without its final newline is the value.
 */
function fromSecretFile(
  setting: Setting,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const variable = `${setting.env}_FILE`
  const path = env[variable]
  if (path === undefined || path === '') return undefined
  if (env[setting.env] !== undefined && env[setting.env] !== '') {
    throw new ConfigError(`Both ${setting.env} and ${variable} are set: set only one`)
  }
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '')
  } catch (error) {
    throw new ConfigError(
      `Bad setting ${variable} = ${JSON.stringify(path)}: cannot read the file (${(error as NodeJS.ErrnoException).code})`,
    )
  }
}

function fromEnvironment(setting: Setting, raw: string): unknown {
  if (setting.list) return raw.split(',').map((item) => item.trim())
  if (typeof setting.default === 'boolean') return parseBoolean(raw)
  return raw
}

/**
 * Builds the configuration: defaults, then the environment, then flags. Each value is checked
 * against its setting's schema; the first bad one is refused with its flag, its variable, the
 * value given and what is accepted.
 */
export function loadConfig(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
  role?: Role,
): Config {
  const config: Record<string, unknown> = {}
  for (const setting of SETTINGS) {
    const fromFlag = flags[flagProperty(setting.flag)]
    const fromEnv = setting.secret ? (fromSecretFile(setting, env) ?? env[setting.env]) : env[setting.env]
    let value: unknown = structuredClone(setting.default)
    if (fromEnv !== undefined && fromEnv !== '') value = fromEnvironment(setting, fromEnv)
    if (fromFlag !== undefined) {
      value = setting.list && typeof fromFlag === 'string' ? fromEnvironment(setting, fromFlag) : fromFlag
    }
    const holder = { value }
    const validate = ajv.compile({ type: 'object', properties: { value: setting.schema } })
    if (!validate(holder)) {
      const accepted = (setting.schema.description as string | undefined) ?? validate.errors?.[0]?.message
      const shown = setting.secret ? '(secret, not shown)' : JSON.stringify(value)
      throw new ConfigError(
        `Bad setting --${setting.flag} (env ${setting.env}) = ${shown}: expected ${accepted}`,
      )
    }
    config[setting.key] = holder.value
  }
  if (role === 'up' || role === 'admin') {
    if ((config.defaultLimit as number) > (config.maxLimit as number)) {
      throw new ConfigError(
        `Bad setting --default-limit (env ADMIN_DEFAULT_LIMIT) = ${config.defaultLimit}: expected at most --max-limit (${config.maxLimit})`,
      )
    }
  }
  for (const label of config.windows as string[]) {
    try {
      parseWindowSpec(label)
    } catch (error) {
      throw new ConfigError(`Bad setting --windows (env AGGREGATE_WINDOWS): ${(error as Error).message}`)
    }
  }
  if (config.databaseReadUrl === '') config.databaseReadUrl = config.databaseUrl
  if (
    config.kafkaSaslMechanism !== 'none' &&
    (config.kafkaSaslUsername === '' || config.kafkaSaslPassword === '')
  ) {
    throw new ConfigError(
      `Bad setting --kafka-sasl-mechanism (env KAFKA_SASL_MECHANISM) = ${JSON.stringify(config.kafkaSaslMechanism)}: expected KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) to be set too`,
    )
  }
  // Every key of SETTINGS was set above, each value checked against its schema: this is a Config.
  return Object.freeze(config) as Config
}
