import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Broker } from '../broker/broker.ts'
import type { KafkaBrokerOptions } from '../broker/kafka/kafka-broker.ts'
import type { Config } from '../config/config.ts'
import type { RunQueue } from '../etl/run-queue.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import { recordSqlSpan } from '../observability/sql-spans.ts'
import type { GroupLagReader } from '../roles/admin/flow/flow-sampler.ts'
import type { Storage } from '../storage/storage.ts'

/**
 * The only place that knows which adapters run. Everything else receives a `Broker` and a
 * `Storage`. Adapters are imported lazily so that real mode never loads PGlite's WASM and
 * embedded mode never opens a Kafka socket.
 */
export async function createBroker(config: Config, clientId: string): Promise<Broker> {
  if (config.embedded) {
    const { EmbeddedBroker } = await import('../broker/embedded/embedded-broker.ts')
    return EmbeddedBroker.open({ directory: join(config.dataDir, 'log') })
  }
  const { KafkaBroker } = await import('../broker/kafka/kafka-broker.ts')
  return new KafkaBroker({
    ...(await kafkaSecurity(config)),
    bootstrapBrokers: config.kafkaBrokers,
    clientId,
    requestTimeoutMs: 5000,
  })
}

/** The SASL and TLS options of the Kafka clients, from the settings. */
export async function kafkaSecurity(config: Config): Promise<Pick<KafkaBrokerOptions, 'sasl' | 'tls'>> {
  const mechanism = config.kafkaSaslMechanism
  const sasl =
    mechanism === 'none'
      ? undefined
      : {
          mechanism: mechanism.toUpperCase() as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
          username: config.kafkaSaslUsername,
          password: config.kafkaSaslPassword,
        }
  if (!config.kafkaTls) return { sasl }
  const ca = config.kafkaTlsCaFile === '' ? undefined : await readFile(config.kafkaTlsCaFile, 'utf8')
  return { sasl, tls: { ca } }
}

export async function createStorage(config: Config, logger: Logger, metrics: Metrics): Promise<Storage> {
  const onQuery = (sqlText: string, durationMs: number, failed: boolean) => {
    // Debug level shows every statement: the SQL flow of seed 000, without cost when it is off.
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ sql: sqlText.replace(/\s+/g, ' ').slice(0, 300), durationMs, failed }, 'sql')
    }
    if (failed) metrics.sqlDuration.observe({ operation: 'statement', outcome: 'error' }, durationMs / 1000)
    // Inside a sampled span only: a statement's span, child of the batch or request it serves.
    recordSqlSpan(config.embedded ? 'pglite' : 'pg', sqlText, durationMs, failed)
  }
  if (config.embedded) {
    const { PGliteStorage } = await import('../storage/pglite-storage.ts')
    // `flowline migrate --embedded` may be the first to touch the data directory.
    await mkdir(config.dataDir, { recursive: true })
    const storage = new PGliteStorage({
      dataDir: join(config.dataDir, 'pglite'),
      onQuery,
      worker: true,
      synced: true,
    })
    metrics.watchPGliteMemory(() => storage.wasmMemoryBytes())
    return storage
  }
  const { PostgresStorage } = await import('../storage/postgres-storage.ts')
  return new PostgresStorage({ connectionString: config.databaseUrl, onQuery })
}

/**
 * Storage for the admin role's reads: `--database-read-url` (a replica, say) when it differs from
 * `--database-url`, otherwise the same storage. Embedded mode has one database.
 */
export async function createReadStorage(
  config: Config,
  primary: Storage,
  logger: Logger,
  metrics: Metrics,
): Promise<Storage> {
  if (config.embedded || config.databaseReadUrl === config.databaseUrl) return primary
  return createStorage({ ...config, databaseUrl: config.databaseReadUrl }, logger, metrics)
}

/**
 * The broker's view of the consumer groups' lag for the console's flow view. The embedded log
 * runs in the process that consumes it, whose own lag gauges already say the same.
 */
export async function createGroupLag(config: Config): Promise<GroupLagReader | undefined> {
  if (config.embedded) return undefined
  const { KafkaGroupLag } = await import('../broker/kafka/group-lag.ts')
  return new KafkaGroupLag({
    ...(await kafkaSecurity(config)),
    bootstrapBrokers: config.kafkaBrokers,
    clientId: 'flowline-console',
    requestTimeoutMs: 2000,
  })
}

/** What a test may shorten: a test waiting for a schedule to fire need not wait for a 30 s check. */
export interface RunQueueTuning {
  /** How often due schedules are looked for and their jobs sent (pg-boss: 1 to 45 s). */
  readonly cronCheckSeconds?: number
}

/**
 * The ETL's job queue: pg-boss on the PostgreSQL server, or on the same PGlite instance as the
 * storage through pg-boss's PGlite adapter. pg-boss's monitor checks the jobs' heartbeats at
 * half the heartbeat period, so a lost worker's run is retried within about 1.5 periods.
 */
export async function createRunQueue(
  config: Config,
  storage: Storage,
  logger: Logger,
  tuning: RunQueueTuning = {},
): Promise<RunQueue> {
  const { PgBoss, fromPglite } = await import('pg-boss')
  const { RunQueue } = await import('../etl/run-queue.ts')
  const intervals = {
    superviseIntervalSeconds: Math.max(1, Math.floor(config.etlHeartbeatSeconds / 2)),
    monitorIntervalSeconds: Math.max(1, Math.floor(config.etlHeartbeatSeconds / 2)),
    // pg-boss looks for due schedules every 30 s (its default) and sends their jobs within 5 s.
    cronMonitorIntervalSeconds: tuning.cronCheckSeconds ?? 30,
    cronWorkerIntervalSeconds: Math.min(5, tuning.cronCheckSeconds ?? 5),
    instanceName: 'flowline-etl',
  }
  let boss: InstanceType<typeof PgBoss>
  if (config.embedded) {
    const { PGliteStorage } = await import('../storage/pglite-storage.ts')
    if (!(storage instanceof PGliteStorage)) throw new Error('embedded mode runs the ETL queue on PGlite')
    boss = new PgBoss({ ...intervals, db: fromPglite(storage.pglite), backend: 'pglite' })
  } else {
    boss = new PgBoss({ ...intervals, connectionString: config.databaseUrl, max: 4 })
  }
  // pg-boss reports its own failures (a lost connection, a failed maintenance) as events.
  boss.on('error', (error) => logger.warn({ err: error }, 'etl queue error'))
  return new RunQueue(boss, config.etlHeartbeatSeconds)
}

/** The topics Flowline needs, created when missing. */
export function topicsOf(config: Config) {
  return [
    { name: config.topic, partitions: config.partitions, replicationFactor: config.replicationFactor },
    { name: config.errorsTopic, partitions: 1, replicationFactor: config.replicationFactor },
    // Keyed by sensor like the measurements, so a sensor's windows and alerts keep their order.
    { name: config.windowsTopic, partitions: config.partitions, replicationFactor: config.replicationFactor },
    { name: config.alertsTopic, partitions: config.partitions, replicationFactor: config.replicationFactor },
    // The inventory streams, keyed by sku: one partition orders one product's records.
    ...[config.productsTopic, config.productEventsTopic, config.stockTopic].map((name) => ({
      name,
      partitions: config.partitions,
      replicationFactor: config.replicationFactor,
    })),
  ]
}
