import type { Config } from '../config/config.ts'
import { kafkaSecurity, topicsOf } from '../runtime/composition.ts'
import type { Storage } from '../storage/storage.ts'
import { type CheckResult, ok } from './check.ts'
import { checkDatabase } from './database-checks.ts'
import { checkKafka } from './kafka-checks.ts'

export interface DoctorReport {
  readonly checks: readonly CheckResult[]
  /** 0 when nothing failed (warnings allowed), 1 otherwise. */
  readonly exitCode: number
}

export interface DoctorDeps {
  readonly openStorage: (databaseUrl: string) => Promise<Storage>
  /** The topic the clock check writes to (default `flowline-doctor`). */
  readonly probeTopic?: string
}

/** Where a URL points, without its credentials. */
function describeUrl(url: string): string {
  const parsed = new URL(url)
  const sslmode = parsed.searchParams.get('sslmode') ?? 'not set'
  return `${parsed.host}${parsed.pathname} (sslmode ${sslmode})`
}

function describeConfig(config: Config): CheckResult {
  if (config.embedded) return ok('config', `valid; embedded mode, data in ${config.dataDir}`)
  const kafka = `Kafka ${config.kafkaBrokers.join(',')} (SASL ${config.kafkaSaslMechanism}, TLS ${config.kafkaTls ? 'on' : 'off'})`
  return ok('config', `valid; real mode, ${kafka}, PostgreSQL ${describeUrl(config.databaseUrl)}`)
}

/**
 * Checks a deployment from its settings: configuration, database (reachable, clock, migrations,
 * partitions), the read database when it differs, and Kafka (reachable, topics, consumer group,
 * clock). Each check reports on its own line; one that cannot connect does not stop the others.
 */
export async function runDoctor(config: Config, deps: DoctorDeps): Promise<DoctorReport> {
  const checks: CheckResult[] = [describeConfig(config)]
  const storage = await deps.openStorage(config.databaseUrl)
  try {
    checks.push(...(await checkDatabase(storage, 'postgresql', config.partitionDaysAhead)))
  } finally {
    await storage.close()
  }
  if (!config.embedded && config.databaseReadUrl !== config.databaseUrl) {
    const replica = await deps.openStorage(config.databaseReadUrl)
    try {
      const [reachable] = await checkDatabase(replica, 'read database', config.partitionDaysAhead)
      if (reachable)
        checks.push({ ...reachable, detail: `${reachable.detail}, ${describeUrl(config.databaseReadUrl)}` })
    } finally {
      await replica.close()
    }
  }
  if (!config.embedded) {
    checks.push(
      ...(await checkKafka({
        client: {
          ...(await kafkaSecurity(config)),
          bootstrapBrokers: config.kafkaBrokers,
          clientId: 'flowline-doctor',
          requestTimeoutMs: 5000,
        },
        topics: topicsOf(config),
        groupId: config.groupId,
        probeTopic: deps.probeTopic ?? 'flowline-doctor',
      })),
    )
  }
  return { checks, exitCode: checks.some((check) => check.status === 'fail') ? 1 : 0 }
}

/** The report as text: one aligned line per check, then a summary. */
export function formatReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((check) => check.name.length))
  const lines = report.checks.map(
    (check) => `${check.status.toUpperCase().padEnd(4)}  ${check.name.padEnd(width)}  ${check.detail}`,
  )
  const failed = report.checks.filter((check) => check.status === 'fail').length
  const warned = report.checks.filter((check) => check.status === 'warn').length
  lines.push(
    '',
    `${failed === 0 ? 'healthy' : 'unhealthy'}: ${failed} failed, ${warned} warnings, ${report.checks.length} checks`,
  )
  return `${lines.join('\n')}\n`
}
