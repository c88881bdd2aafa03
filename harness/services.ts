import { KafkaCluster, type KafkaNode, kafkaTuning, singleBroker } from './kafka.ts'
import { layoutFromEnv, type ServiceLayout } from './layout.ts'
import { PostgresServer } from './postgres.ts'

/**
 * The services of one layout: a single Kafka broker, a 3-broker cluster (started on demand) and
 * a PostgreSQL server. Every handle acts only on the processes recorded under the layout's state
 * directory, so a private layout never touches the services someone else started.
 *
 * One controller per state directory at a time: `scripts/services.sh` serialises its commands with
 * a lock; programs that use a private layout own it.
 */
export class Services {
  readonly layout: ServiceLayout
  readonly kafka: KafkaNode
  readonly cluster: KafkaCluster
  readonly postgres: PostgresServer

  constructor(layout: ServiceLayout = layoutFromEnv(), env: NodeJS.ProcessEnv = process.env) {
    const tuning = kafkaTuning(env)
    this.layout = layout
    this.kafka = singleBroker(layout, tuning)
    this.cluster = new KafkaCluster(layout, tuning)
    this.postgres = new PostgresServer(layout, env)
  }

  /** Starts the single broker and PostgreSQL (concurrently), and the cluster if asked; idempotent. */
  async up(options: { cluster?: boolean } = {}): Promise<void> {
    this.postgres.bindir // fail before launching anything when PostgreSQL is not installed
    const results = await Promise.allSettled([this.kafka.start(), this.postgres.start()])
    for (const result of results) if (result.status === 'rejected') throw result.reason
    if (options.cluster) await this.cluster.start()
  }

  /** Stops everything of this layout: single broker, cluster, PostgreSQL. Idempotent. */
  async down(): Promise<void> {
    await Promise.all([this.kafka.stop(), this.cluster.stop()])
    await this.postgres.stop()
  }
}
