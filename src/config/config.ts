import { Ajv } from 'ajv'
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
    const fromEnv = env[setting.env]
    let value: unknown = structuredClone(setting.default)
    if (fromEnv !== undefined && fromEnv !== '') value = fromEnvironment(setting, fromEnv)
    if (fromFlag !== undefined) {
      value = setting.list && typeof fromFlag === 'string' ? fromEnvironment(setting, fromFlag) : fromFlag
    }
    const holder = { value }
    const validate = ajv.compile({ type: 'object', properties: { value: setting.schema } })
    if (!validate(holder)) {
      const accepted = (setting.schema.description as string | undefined) ?? validate.errors?.[0]?.message
      throw new ConfigError(
        `Bad setting --${setting.flag} (env ${setting.env}) = ${JSON.stringify(value)}: expected ${accepted}`,
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
  // Every key of SETTINGS was set above, each value checked against its schema: this is a Config.
  return Object.freeze(config) as Config
}
