import type { Admin } from '@platformatic/kafka'
import {
  createDatabaseStatement,
  deleteTopics,
  KAFKA_VERSION,
  kafkaBootstrap,
  query,
  type ServiceLayout,
  Services,
  withKafkaAdmin,
} from '../../harness/index.ts'

export interface ServicesOptions {
  /** The bench's own state dir and ports, so that it never touches the Kafka and PostgreSQL others use. */
  readonly stateDir: string
  readonly kafkaPort: number
  readonly controllerPort: number
  readonly pgPort: number
  /** The collation of the databases `createDatabase` makes (bench/README.md#collation). */
  readonly databaseLocale?: string
}

/**
 * A private Kafka broker and PostgreSQL server (harness Services) with their own state directory
 * and ports. PostgreSQL gets track_commit_timestamp, which dates each row's commit and so
 * measures POST -> row visible without polling.
 */
export class BenchServices {
  readonly options: ServicesOptions
  readonly services: Services

  constructor(options: ServicesOptions) {
    this.options = options
    const layout: ServiceLayout = {
      stateDir: options.stateDir,
      kafkaPort: options.kafkaPort,
      kafkaControllerPort: options.controllerPort,
      pgPort: options.pgPort,
      // The bench runs no cluster; these ports are never opened.
      clusterPort: options.kafkaPort + 10,
      clusterControllerPort: options.kafkaPort + 20,
    }
    this.services = new Services(layout)
  }

  get kafkaBrokers(): string {
    return kafkaBootstrap(this.services.layout)
  }

  databaseUrl(database = 'flowline'): string {
    return this.services.postgres.url(database)
  }

  get kafkaVersion(): string {
    return KAFKA_VERSION
  }

  async up(): Promise<void> {
    await this.services.up()
    if ((await this.query('SHOW track_commit_timestamp'))[0]?.track_commit_timestamp !== 'on') {
      // A postmaster-level setting: ALTER SYSTEM survives the harness rewriting its own conf file.
      await this.query('ALTER SYSTEM SET track_commit_timestamp = on')
      await this.services.postgres.stop()
      await this.services.postgres.start()
    }
  }

  down(): Promise<void> {
    return this.services.down()
  }

  kafkaStop(): Promise<void> {
    return this.services.kafka.stop()
  }

  kafkaStart(): Promise<void> {
    return this.services.kafka.start()
  }

  /** The broker JVM's pid, for CPU and memory accounting. */
  kafkaPid(): number | undefined {
    return this.services.kafka.pid()
  }

  /** The postmaster and its backends. */
  postgresPids(): number[] {
    return this.services.postgres.pids()
  }

  query<T extends Record<string, unknown>>(
    text: string,
    values: unknown[] = [],
    database = 'flowline',
  ): Promise<T[]> {
    return query<T>(this.databaseUrl(database), text, values, 600_000)
  }

  async createDatabase(name: string): Promise<string> {
    await this.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await this.query(createDatabaseStatement(name, this.options.databaseLocale))
    return this.databaseUrl(name)
  }

  async dropDatabase(name: string): Promise<void> {
    await this.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }

  async postgresVersion(): Promise<string> {
    return String((await this.query('SHOW server_version'))[0]?.server_version ?? 'unknown')
  }

  /** Creates a topic up front: ingest and savers starting together would race to create it. */
  async createTopic(name: string, partitions: number): Promise<void> {
    await this.withAdmin((admin) => admin.createTopics({ topics: [name], partitions, replicas: 1 }))
  }

  /** Topics are deleted after each scenario: a full run writes gigabytes. */
  async deleteTopics(names: readonly string[]): Promise<void> {
    await deleteTopics([this.kafkaBrokers], names).catch(() => {})
  }

  withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    return withKafkaAdmin([this.kafkaBrokers], use)
  }
}
