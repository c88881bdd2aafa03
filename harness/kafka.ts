import { execFile, spawn } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { Admin } from '@platformatic/kafka'
import { clusterBrokers, KAFKA_VERSION, kafkaBootstrap, type ServiceLayout } from './layout.ts'
import { HOST, portOpen } from './ports.ts'
import { alive, commandLine, signalAll, waitExited } from './proc.ts'

const run = promisify(execFile)
const SCRIPTS = new URL('../scripts/', import.meta.url).pathname
export const CLUSTER_SIZE = 3

/** Timeouts and JVM settings, from FLOWLINE_* variables (the same ones services.sh always read). */
export function kafkaTuning(env: NodeJS.ProcessEnv = process.env) {
  const words = (value: string | undefined, fallback: string) =>
    (value ?? fallback).split(/\s+/).filter(Boolean)
  return {
    cacheDir: resolve(env.FLOWLINE_CACHE_DIR ?? join(homedir(), '.cache', 'flowline')),
    heapOpts: words(env.FLOWLINE_KAFKA_HEAP_OPTS, '-Xms256m -Xmx512m'),
    singleJvmOpts: words(env.FLOWLINE_KAFKA_JVM_OPTS, ''),
    // Cluster brokers (fault tests, not throughput) run C1-only: ~40% less CPU to boot with 3 JVMs on 2 cores.
    clusterJvmOpts: words(env.FLOWLINE_CLUSTER_JVM_OPTS, '-XX:TieredStopAtLevel=1'),
    sessionTimeoutMs: Number(env.FLOWLINE_KAFKA_SESSION_TIMEOUT_MS ?? 6000),
    startTimeoutMs: Number(env.FLOWLINE_START_TIMEOUT ?? 180) * 1000,
    stopTimeoutMs: Number(env.FLOWLINE_STOP_TIMEOUT ?? 30) * 1000,
  }
}
export type KafkaTuning = ReturnType<typeof kafkaTuning>

/** Resolves the broker jars once (scripts/kafka/install.sh: Maven, cached outside the repo). */
export async function kafkaLibs(tuning: KafkaTuning): Promise<string> {
  const { stdout } = await run('bash', [join(SCRIPTS, 'kafka/install.sh')], {
    env: { ...process.env, FLOWLINE_CACHE_DIR: tuning.cacheDir },
    timeout: 600_000,
  }).catch((error: Error & { stderr?: string }) => {
    throw new Error(
      `could not install the Kafka jars (scripts/kafka/install.sh): ${error.stderr ?? error.message}`,
    )
  })
  return stdout.trim().split('\n').at(-1) ?? ''
}

function toolJava(libs: string): string[] {
  return [
    '-Xshare:auto',
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-Xms32m',
    '-Xmx256m',
    `-Dlog4j2.configurationFile=${join(SCRIPTS, 'kafka/tools-log4j2.xml')}`,
    '-cp',
    `${libs}/*`,
  ]
}

/** Runs a Kafka CLI tool class against the cached jars, returning its output. */
export async function kafkaTool(libs: string, mainClass: string, args: readonly string[]): Promise<string> {
  const { stdout, stderr } = await run('java', [...toolJava(libs), mainClass, ...args], {
    timeout: 120_000,
    maxBuffer: 16 << 20,
  })
  return stdout + stderr
}

/** Kafka cluster ids are 16 random bytes, base64url without padding (what `kafka-storage random-uuid` prints). */
function clusterIdIn(file: string): string {
  if (existsSync(file) && readFileSync(file, 'utf8').trim()) return readFileSync(file, 'utf8').trim()
  let id: string
  do id = crypto.getRandomValues(Buffer.alloc(16)).toString('base64url')
  while (id.startsWith('-'))
  writeFileSync(file, `${id}\n`)
  return id
}

export interface KafkaNodeSpec {
  readonly name: string
  readonly dir: string
  readonly nodeId: number
  readonly port: number
  readonly controllerPort: number
  readonly voters: string
  readonly replicated: boolean
  readonly clusterIdFile: string
  readonly jvmOpts: readonly string[]
  /** Extra SCRAM listeners (tests of Kafka security); the PLAINTEXT listener stays for the broker itself. */
  readonly sasl?: SaslListeners
}

export interface SaslListeners {
  readonly plaintextPort: number
  readonly sslPort: number
  /** PEM file holding the PKCS#8 key and the certificate chain (Kafka's PEM key store). */
  readonly keystorePem: string
  /** `MECHANISM=[name=…,password=…]` entries written into the metadata when the storage is formatted. */
  readonly scram: readonly string[]
}

/** The server.properties lines that add SASL_PLAINTEXT and SASL_SSL listeners accepting SCRAM. */
function saslProperties(sasl: SaslListeners) {
  const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;'
  const listeners = `,SASL_PLAINTEXT://${HOST}:${sasl.plaintextPort},SASL_SSL://${HOST}:${sasl.sslPort}`
  const settings = [
    'sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512',
    ...['sasl_plaintext', 'sasl_ssl'].flatMap((listener) =>
      ['scram-sha-256', 'scram-sha-512'].map(
        (mechanism) => `listener.name.${listener}.${mechanism}.sasl.jaas.config=${jaas}`,
      ),
    ),
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${sasl.keystorePem}`,
  ]
  return { listeners, protocols: ',SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL', settings }
}

/**
 * One KRaft broker+controller JVM, recognised by its pid file and its command line (which names
 * its own server.properties), so a handle never signals a process it did not start.
 */
export class KafkaNode {
  readonly spec: KafkaNodeSpec
  readonly tuning: KafkaTuning

  constructor(spec: KafkaNodeSpec, tuning: KafkaTuning) {
    this.spec = spec
    this.tuning = tuning
  }

  get url(): string {
    return `${HOST}:${this.spec.port}`
  }

  get logFile(): string {
    return join(this.spec.dir, 'logs', 'server.log')
  }

  get #properties(): string {
    return join(this.spec.dir, 'server.properties')
  }

  /** The JVM's pid when this broker runs; a stale pid file is removed. */
  pid(): number | undefined {
    const file = join(this.spec.dir, 'kafka.pid')
    if (!existsSync(file)) return undefined
    const pid = Number(readFileSync(file, 'utf8').trim())
    if (pid > 0 && alive(pid) && commandLine(pid).includes(this.#properties)) return pid
    rmSync(file, { force: true })
    return undefined
  }

  get running(): boolean {
    return this.pid() !== undefined
  }

  /** Starts the broker when it is not running and waits until it serves. Idempotent. */
  async start(): Promise<void> {
    if (await this.launch(await kafkaLibs(this.tuning)))
      await this.waitReady(Date.now() + this.tuning.startTimeoutMs)
  }

  /** Writes the config, formats the storage once and launches the JVM detached; does not wait. */
  async launch(libs: string): Promise<boolean> {
    if (this.running) return false
    for (const port of [this.spec.port, this.spec.controllerPort])
      if (await portOpen(port))
        throw new Error(
          `port ${HOST}:${port} is already in use by another process (not ${this.spec.name} in ${this.spec.dir})`,
        )
    this.#writeProperties()
    await this.#format(libs)
    const logs = join(this.spec.dir, 'logs')
    for (const file of ['server.log', 'stdout.log'])
      if (existsSync(join(logs, file))) renameSync(join(logs, file), join(logs, `${file}.prev`))
    const out = openSync(join(logs, 'stdout.log'), 'a')
    const child = spawn(
      'java',
      [
        ...this.tuning.heapOpts,
        '-server',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:InitiatingHeapOccupancyPercent=35',
        '-XX:+ExplicitGCInvokesConcurrent',
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        ...this.spec.jvmOpts,
        `-Dkafka.logs.dir=${logs}`,
        `-Dlog4j2.configurationFile=${join(SCRIPTS, 'kafka/log4j2.xml')}`,
        '-cp',
        `${libs}/*`,
        'kafka.Kafka',
        this.#properties,
      ],
      { detached: true, stdio: ['ignore', out, out] },
    )
    closeSync(out)
    child.unref()
    writeFileSync(join(this.spec.dir, 'kafka.pid'), `${child.pid}\n`)
    return true
  }

  /** Waits until the broker logged "Kafka Server started" (it is then unfenced) and its port accepts connections. */
  async waitReady(deadline: number): Promise<void> {
    while (true) {
      if (!this.running) throw new Error(`${this.spec.name} exited during start-up\n${this.tail()}`)
      const log = existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : ''
      if (log.includes('Kafka Server started') && (await portOpen(this.spec.port))) return
      if (Date.now() > deadline) throw new Error(`${this.spec.name} not ready in time\n${this.tail()}`)
      await sleep(200)
    }
  }

  /** The last lines of the broker's logs, for an error message. */
  tail(lines = 40): string {
    const read = (file: string) =>
      existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : ''
    return [
      `--- ${this.logFile}`,
      read(this.logFile),
      '--- stdout.log',
      read(join(this.spec.dir, 'logs', 'stdout.log')),
    ].join('\n')
  }

  /** SIGTERM (a controlled shutdown), SIGKILL after `graceMs`. */
  async stop(graceMs = this.tuning.stopTimeoutMs): Promise<void> {
    const pid = this.pid()
    if (pid === undefined) return
    signalAll([pid], 'SIGCONT') // a paused broker cannot shut down
    signalAll([pid], 'SIGTERM')
    if (!(await waitExited([pid], graceMs))) signalAll([pid], 'SIGKILL')
    await this.#waitGone(pid)
  }

  /**
   * The JVM's main thread turns zombie before its other threads have exited and closed their
   * sockets: gone means the ports are closed too.
   */
  async #waitGone(pid: number): Promise<void> {
    await waitExited([pid], 10_000)
    const deadline = Date.now() + 10_000
    while (
      Date.now() < deadline &&
      ((await portOpen(this.spec.port)) || (await portOpen(this.spec.controllerPort)))
    )
      await sleep(50)
    rmSync(join(this.spec.dir, 'kafka.pid'), { force: true })
  }

  /** SIGKILL, like a machine crash. */
  async kill(): Promise<void> {
    const pid = this.pid()
    if (pid === undefined) return
    signalAll([pid], 'SIGKILL')
    await this.#waitGone(pid)
  }

  /** SIGSTOP: the JVM keeps its sockets but answers nothing, like a long GC pause or a frozen VM. */
  pause(): void {
    const pid = this.pid()
    if (pid !== undefined) signalAll([pid], 'SIGSTOP')
  }

  resume(): void {
    const pid = this.pid()
    if (pid !== undefined) signalAll([pid], 'SIGCONT')
  }

  #writeProperties(): void {
    const { dir, nodeId, port, controllerPort, voters, replicated } = this.spec
    const [rf, isr] = replicated ? [3, 2] : [1, 1]
    const sasl = this.spec.sasl
      ? saslProperties(this.spec.sasl)
      : { listeners: '', protocols: '', settings: [] }
    mkdirSync(join(dir, 'data'), { recursive: true })
    mkdirSync(join(dir, 'logs'), { recursive: true })
    const text = `# Generated by the Flowline harness on every start; edits are overwritten.
process.roles=broker,controller
node.id=${nodeId}
controller.quorum.voters=${voters}
listeners=PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}${sasl.listeners}
advertised.listeners=PLAINTEXT://${HOST}:${port}${sasl.listeners}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${sasl.protocols}
${sasl.settings.join('\n')}
log.dirs=${dir}/data

auto.create.topics.enable=false
num.partitions=4
default.replication.factor=${rf}
min.insync.replicas=${isr}
offsets.topic.replication.factor=${rf}
transaction.state.log.replication.factor=${rf}
transaction.state.log.min.isr=${isr}
share.coordinator.state.topic.replication.factor=${rf}
share.coordinator.state.topic.min.isr=${isr}
group.initial.rebalance.delay.ms=0
# Faster fencing of a dead broker (default 9 s); also how long a SIGKILLed broker's restart waits before it can
# re-register (DUPLICATE_BROKER_REGISTRATION until the old session expires).
broker.session.timeout.ms=${this.tuning.sessionTimeoutMs}
broker.heartbeat.interval.ms=1000
num.network.threads=2
num.io.threads=4
`
    writeFileSync(`${this.#properties}.tmp`, text)
    renameSync(`${this.#properties}.tmp`, this.#properties)
  }

  async #format(libs: string): Promise<void> {
    if (existsSync(join(this.spec.dir, 'data', 'meta.properties'))) return
    const id = clusterIdIn(this.spec.clusterIdFile)
    try {
      await kafkaTool(libs, 'kafka.tools.StorageTool', [
        'format',
        '--ignore-formatted',
        '-t',
        id,
        '-c',
        this.#properties,
        ...(this.spec.sasl?.scram ?? []).flatMap((entry) => ['--add-scram', entry]),
      ])
    } catch (error) {
      throw new Error(`kafka-storage format failed for ${this.spec.dir}: ${(error as Error).message}`)
    }
  }
}

/** Waits until a metadata request through a real client lists `count` live brokers. */
export async function waitForBrokers(
  brokers: readonly string[],
  count: number,
  deadline: number,
): Promise<void> {
  const admin = new Admin({ clientId: 'flowline-harness', bootstrapBrokers: [...brokers], timeout: 5000 })
  try {
    let seen = 0
    while (Date.now() < deadline) {
      try {
        seen = (await admin.metadata({ topics: [], forceUpdate: true })).brokers.size
        if (seen >= count) return
      } catch {
        // not answering yet
      }
      await sleep(250)
    }
    throw new Error(`brokers ${brokers.join(',')}: ${seen} of ${count} registered in time`)
  } finally {
    await admin.close().catch(() => {})
  }
}

/** The single broker of a layout. */
export function singleBroker(layout: ServiceLayout, tuning = kafkaTuning()): KafkaNode {
  const dir = join(layout.stateDir, 'kafka')
  return new KafkaNode(
    {
      name: 'kafka',
      dir,
      nodeId: 1,
      port: layout.kafkaPort,
      controllerPort: layout.kafkaControllerPort,
      voters: `1@${HOST}:${layout.kafkaControllerPort}`,
      replicated: false,
      clusterIdFile: join(dir, 'cluster.id'),
      jvmOpts: tuning.singleJvmOpts,
    },
    tuning,
  )
}

/** A 3-broker KRaft cluster (every node broker and controller), replication factor 3, min ISR 2. */
export class KafkaCluster {
  readonly layout: ServiceLayout
  readonly nodes: readonly KafkaNode[]
  readonly tuning: KafkaTuning

  constructor(layout: ServiceLayout, tuning = kafkaTuning()) {
    this.layout = layout
    this.tuning = tuning
    const dir = join(layout.stateDir, 'kafka-cluster')
    const voters = Array.from(
      { length: CLUSTER_SIZE },
      (_, i) => `${i + 1}@${HOST}:${layout.clusterControllerPort + i}`,
    ).join(',')
    this.nodes = Array.from(
      { length: CLUSTER_SIZE },
      (_, i) =>
        new KafkaNode(
          {
            name: `kafka-cluster broker ${i + 1}`,
            dir: join(dir, `broker-${i + 1}`),
            nodeId: i + 1,
            port: layout.clusterPort + i,
            controllerPort: layout.clusterControllerPort + i,
            voters,
            replicated: true,
            clusterIdFile: join(dir, 'cluster.id'),
            jvmOpts: tuning.clusterJvmOpts,
          },
          tuning,
        ),
    )
  }

  get brokers(): string[] {
    return clusterBrokers(this.layout)
  }

  get url(): string {
    return this.brokers.join(',')
  }

  /** Broker `n` (1-based, like the node ids). */
  broker(n: number): KafkaNode {
    const node = this.nodes[n - 1]
    if (!node) throw new Error(`broker number must be 1..${CLUSTER_SIZE} (got ${n})`)
    return node
  }

  get running(): boolean {
    return this.nodes.every((node) => node.running)
  }

  /** Starts every broker that is not running; all voters must be up for the quorum to form. */
  async start(): Promise<void> {
    const libs = await kafkaLibs(this.tuning)
    mkdirSync(join(this.layout.stateDir, 'kafka-cluster'), { recursive: true })
    const launched = (await Promise.all(this.nodes.map((node) => node.launch(libs)))).some(Boolean)
    if (!launched) return
    const deadline = Date.now() + this.tuning.startTimeoutMs
    for (const node of this.nodes) await node.waitReady(deadline)
    await waitForBrokers(this.brokers, CLUSTER_SIZE, deadline)
  }

  /** Starts broker `n` again; it needs a quorum (2 of 3 voters) to finish starting. */
  async startBroker(n: number): Promise<void> {
    await this.broker(n).start()
  }

  /**
   * Stops every broker. A broker without a controller quorum (fewer than 2 of 3 voters alive)
   * cannot finish its controlled shutdown and would hang for minutes: it only gets 5 s.
   */
  async stop(): Promise<void> {
    const live = this.nodes.filter((node) => node.running).length
    const graceMs = live <= CLUSTER_SIZE / 2 ? 5000 : this.tuning.stopTimeoutMs
    await Promise.all(this.nodes.map((node) => node.stop(graceMs)))
  }
}

export { KAFKA_VERSION, kafkaBootstrap }
