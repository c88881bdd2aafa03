import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

const SERVICES_SH = new URL('../../scripts/services.sh', import.meta.url).pathname

/**
 * A private set of Kafka and PostgreSQL instances: its own state directory and ports, so that the
 * fault suite never touches the shared services (127.0.0.1:9092, :5433) other people test against.
 */
export interface ServiceLayout {
  readonly stateDir: string
  readonly kafkaPort: number
  readonly kafkaControllerPort: number
  readonly pgPort: number
  /** First of three broker ports; the controllers listen on clusterControllerPort..+2. */
  readonly clusterPort: number
  readonly clusterControllerPort: number
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** `count` consecutive free ports in 20000-59999, found by trying random bases (bounded). */
export async function freePortRange(count: number, avoid: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000)
    let ok = true
    for (let port = base; port < base + count && ok; port++) {
      ok = !avoid.has(port) && (await portIsFree(port))
    }
    if (ok) return base
  }
  throw new Error(`no ${count} consecutive free ports found`)
}

/** A layout on free ports under `stateDir`. */
export async function allocateLayout(stateDir: string): Promise<ServiceLayout> {
  const taken = new Set<number>()
  const take = async (count: number) => {
    const base = await freePortRange(count, taken)
    for (let port = base; port < base + count; port++) taken.add(port)
    return base
  }
  const kafkaPort = await take(2)
  return {
    stateDir,
    kafkaPort,
    kafkaControllerPort: kafkaPort + 1,
    pgPort: await take(1),
    clusterPort: await take(3),
    clusterControllerPort: await take(3),
  }
}

export function layoutEnv(layout: ServiceLayout): Record<string, string> {
  return {
    FLOWLINE_STATE_DIR: layout.stateDir,
    FLOWLINE_KAFKA_PORT: String(layout.kafkaPort),
    FLOWLINE_KAFKA_CONTROLLER_PORT: String(layout.kafkaControllerPort),
    FLOWLINE_PG_PORT: String(layout.pgPort),
    FLOWLINE_CLUSTER_PORT: String(layout.clusterPort),
    FLOWLINE_CLUSTER_CONTROLLER_PORT: String(layout.clusterControllerPort),
  }
}

export const kafkaBootstrap = (layout: ServiceLayout) => `127.0.0.1:${layout.kafkaPort}`
export const clusterBootstrap = (layout: ServiceLayout) =>
  [0, 1, 2].map((i) => `127.0.0.1:${layout.clusterPort + i}`).join(',')
export const adminDatabaseUrl = (layout: ServiceLayout, database = 'flowline') =>
  `postgres://flowline:flowline@127.0.0.1:${layout.pgPort}/${database}`

/**
 * Controls the private services through scripts/services.sh, always with the layout's
 * environment: a command can only reach the processes recorded under `layout.stateDir`.
 */
export class Services {
  readonly layout: ServiceLayout
  readonly #log: (line: string) => void

  constructor(layout: ServiceLayout, log: (line: string) => void = () => {}) {
    this.layout = layout
    this.#log = log
  }

  /** Runs `services.sh <args>`; rejects with its stderr when it fails or takes over `timeoutMs`. */
  run(args: readonly string[], timeoutMs = 240_000): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        'bash',
        [SERVICES_SH, ...args],
        { env: { ...process.env, ...layoutEnv(this.layout) }, timeout: timeoutMs, maxBuffer: 4 << 20 },
        (error, stdout, stderr) => {
          for (const line of stderr.trim().split('\n')) if (line) this.#log(line)
          if (error) reject(new Error(`services.sh ${args.join(' ')} failed: ${error.message}\n${stderr}`))
          else resolve(stdout)
        },
      )
    })
  }

  up = () => this.run(['up'])
  down = () => this.run(['down'])
  kafkaStart = () => this.run(['kafka-start'])
  kafkaKill = () => this.run(['kafka-kill'])
  pgStart = () => this.run(['pg-start'])
  pgKill = () => this.run(['pg-kill'])
  clusterUp = () => this.run(['cluster-up'])
  clusterDown = () => this.run(['cluster-down'])
  clusterKillBroker = (n: number) => this.run(['cluster-kill-broker', String(n)])
  clusterStartBroker = (n: number) => this.run(['cluster-start-broker', String(n)])

  /** Pid of the single broker, checked to be ours: its command line names our state dir. */
  kafkaPid(): number {
    return this.#ownPid(join(this.layout.stateDir, 'kafka'))
  }

  brokerPid(n: number): number {
    return this.#ownPid(join(this.layout.stateDir, 'kafka-cluster', `broker-${n}`))
  }

  #ownPid(dir: string): number {
    const pid = Number(readFileSync(join(dir, 'kafka.pid'), 'utf8').trim())
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
    if (!cmdline.includes(join(dir, 'server.properties')))
      throw new Error(`pid ${pid} is not the broker in ${dir}`)
    return pid
  }

  /**
   * `pg_ctl stop -m immediate`: the postmaster SIGQUITs its backends and exits without a
   * checkpoint, so the next start runs crash recovery. services.sh has pg-stop (-m fast, a clean
   * shutdown) and pg-kill (SIGKILL to every process); this is the mode the issue asks for.
   */
  async pgStopImmediate(): Promise<void> {
    const bindir = pgBindir()
    const dataDir = join(this.layout.stateDir, 'postgres', 'data')
    const command = [join(bindir, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop']
    const [file, args] =
      process.getuid?.() === 0
        ? ['runuser', ['-u', 'postgres', '--', ...command]]
        : [command[0], command.slice(1)]
    await new Promise<void>((resolve, reject) => {
      execFile(file as string, args as string[], { timeout: 60_000 }, (error, _stdout, stderr) =>
        error ? reject(new Error(`pg_ctl -m immediate stop failed: ${stderr}`)) : resolve(),
      )
    })
    this.#log('postgres stopped with pg_ctl -m immediate')
  }
}

function pgBindir(): string {
  const fromEnv = process.env.FLOWLINE_PG_BINDIR
  if (fromEnv) return fromEnv
  if (existsSync('/usr/lib/postgresql/15/bin/pg_ctl')) return '/usr/lib/postgresql/15/bin'
  const versions = readdirSync('/usr/lib/postgresql')
    .filter((name) => existsSync(`/usr/lib/postgresql/${name}/bin/pg_ctl`))
    .sort((a, b) => Number(b) - Number(a))
  if (!versions[0]) throw new Error('pg_ctl not found under /usr/lib/postgresql/*/bin')
  return `/usr/lib/postgresql/${versions[0]}/bin`
}
