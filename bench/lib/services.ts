import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Admin } from '@platformatic/kafka'
import pg from 'pg'
import { childrenOf } from './processes.ts'

const SCRIPT = new URL('../../scripts/services.sh', import.meta.url).pathname
const POM = new URL('../../scripts/kafka/pom.xml', import.meta.url).pathname

export interface ServicesOptions {
  /** The bench's own state dir and ports, so that it never touches the Kafka and PostgreSQL others use. */
  readonly stateDir: string
  readonly kafkaPort: number
  readonly controllerPort: number
  readonly pgPort: number
}

/**
 * A private Kafka broker and PostgreSQL server run by scripts/services.sh with their own state
 * directory and ports. PostgreSQL gets track_commit_timestamp, which dates each row's commit and
 * so measures POST -> row visible without polling.
 */
export class BenchServices {
  readonly options: ServicesOptions

  constructor(options: ServicesOptions) {
    this.options = options
  }

  get kafkaBrokers(): string {
    return `127.0.0.1:${this.options.kafkaPort}`
  }

  databaseUrl(database = 'flowline'): string {
    return `postgres://flowline:flowline@127.0.0.1:${this.options.pgPort}/${database}`
  }

  get kafkaVersion(): string {
    return /<kafka\.version>([^<]+)</.exec(readFileSync(POM, 'utf8'))?.[1] ?? 'unknown'
  }

  /** Runs `services.sh ARGS` with this instance's environment, bounded in time. */
  script(args: readonly string[], timeoutMs = 180_000): Promise<string> {
    const env = {
      ...process.env,
      FLOWLINE_STATE_DIR: this.options.stateDir,
      FLOWLINE_KAFKA_PORT: String(this.options.kafkaPort),
      FLOWLINE_KAFKA_CONTROLLER_PORT: String(this.options.controllerPort),
      FLOWLINE_PG_PORT: String(this.options.pgPort),
    }
    return new Promise((resolve, reject) => {
      execFile(
        'bash',
        [SCRIPT, ...args],
        { env, timeout: timeoutMs, maxBuffer: 16 << 20 },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`services.sh ${args.join(' ')} failed: ${error.message}\n${stderr}`))
          else resolve(stdout)
        },
      )
    })
  }

  async up(): Promise<void> {
    await this.script(['up'])
    if ((await this.query('SHOW track_commit_timestamp'))[0]?.track_commit_timestamp !== 'on') {
      // A postmaster-level setting: ALTER SYSTEM survives services.sh rewriting its own conf file.
      await this.query('ALTER SYSTEM SET track_commit_timestamp = on')
      await this.script(['pg-restart'])
    }
  }

  down(): Promise<string> {
    return this.script(['down'])
  }

  kafkaStop(): Promise<string> {
    return this.script(['kafka-stop'])
  }

  kafkaStart(): Promise<string> {
    return this.script(['kafka-start'])
  }

  /** The broker JVM's pid, for CPU and memory accounting. */
  kafkaPid(): number | undefined {
    try {
      return Number(readFileSync(`${this.options.stateDir}/kafka/kafka.pid`, 'utf8').trim()) || undefined
    } catch {
      return undefined
    }
  }

  /** The postmaster and its backends. */
  postgresPids(): number[] {
    try {
      const postmaster = Number(
        readFileSync(`${this.options.stateDir}/postgres/data/postmaster.pid`, 'utf8').split('\n')[0],
      )
      return postmaster > 0 ? [postmaster, ...childrenOf(postmaster)] : []
    } catch {
      return []
    }
  }

  async query<T extends Record<string, unknown>>(
    text: string,
    values: unknown[] = [],
    database = 'flowline',
  ): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.databaseUrl(database), query_timeout: 600_000 })
    await client.connect()
    try {
      return (await client.query<T>(text, values)).rows
    } finally {
      await client.end()
    }
  }

  async createDatabase(name: string): Promise<string> {
    await this.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await this.query(`CREATE DATABASE ${name}`)
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
    await this.withAdmin(async (admin) => {
      await admin.createTopics({ topics: [name], partitions, replicas: 1 })
    })
  }

  /** Topics are deleted after each scenario: a full run writes gigabytes. */
  async deleteTopics(names: readonly string[]): Promise<void> {
    await this.withAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics())
      const present = names.filter((name) => existing.has(name))
      if (present.length > 0) await admin.deleteTopics({ topics: present })
    }).catch(() => {})
  }

  async withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = new Admin({
      clientId: 'flowline-bench',
      bootstrapBrokers: [this.kafkaBrokers],
      timeout: 10_000,
    })
    try {
      return await use(admin)
    } finally {
      await admin.close().catch(() => {})
    }
  }
}
