import { Ajv } from 'ajv'
import { parseWindowSpec } from '../domain/window-spec.ts'
import { type Role, SETTINGS, type Setting } from './settings.ts'

/** Every setting of every role, validated and frozen. Modules receive it; nothing else reads the environment. */
export interface Config {
  readonly embedded: boolean
  readonly dataDir: string
  readonly kafkaBrokers: readonly string[]
  readonly databaseUrl: string
  readonly topic: string
  readonly errorsTopic: string
  readonly partitions: number
  readonly replicationFactor: number
  readonly host: string
  readonly ingestPort: number
  readonly adminPort: number
  readonly saverPort: number
  readonly bodyLimitBytes: number
  readonly maxItems: number
  readonly maxInFlightRecords: number
  readonly produceTimeoutMs: number
  readonly produceBatchRecords: number
  readonly produceLingerMs: number
  readonly futureToleranceMs: number
  readonly groupId: string
  readonly saverBatchSize: number
  readonly saverBatchWaitMs: number
  readonly saverReadAhead: number
  readonly saverConsumers: number
  readonly aggregator: boolean
  readonly aggregatePort: number
  readonly aggregateGroup: string
  readonly windows: readonly string[]
  readonly allowedLatenessMs: number
  readonly idleTimeoutMs: number
  readonly aggregateBatchSize: number
  readonly aggregateConsumers: number
  readonly windowsTopic: string
  readonly alertsTopic: string
  readonly defaultLimit: number
  readonly maxLimit: number
  readonly simulator: boolean
  readonly targetUrl: string
  readonly sensors: number
  readonly rate: number
  readonly simulatorBatch: number
  readonly count: number
  readonly durationS: number
  readonly faultyRatio: number
  readonly concurrency: number
  readonly progress: boolean
  readonly logLevel: string
}

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
  for (const label of config.windows as string[]) {
    try {
      parseWindowSpec(label)
    } catch (error) {
      throw new ConfigError(`Bad setting --windows (env AGGREGATE_WINDOWS): ${(error as Error).message}`)
    }
  }
  return Object.freeze(config) as unknown as Config
}
