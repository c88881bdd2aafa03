import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePortRange, HOST } from './ports.ts'

/** Where one set of services lives: its state directory and its loopback ports. */
export interface ServiceLayout {
  /** kafka/, kafka-cluster/broker-N/ and postgres/ live here. */
  readonly stateDir: string
  readonly kafkaPort: number
  readonly kafkaControllerPort: number
  readonly pgPort: number
  /** First of three broker ports; the controllers listen on clusterControllerPort..+2. */
  readonly clusterPort: number
  readonly clusterControllerPort: number
}

export const isRoot = () => process.getuid?.() === 0

/**
 * The default state directory. As root, PostgreSQL runs as the `postgres` OS user, which must be
 * able to reach its data directory: /root is private, so root's default is /var/lib/flowline.
 * A ~/.local/state/flowline that already exists (made by an earlier version) is kept, so services
 * started from it are found and never started twice.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLOWLINE_STATE_DIR) return resolve(env.FLOWLINE_STATE_DIR)
  const legacy = join(homedir(), '.local', 'state', 'flowline')
  if (!isRoot() || existsSync(legacy)) return legacy
  return '/var/lib/flowline'
}

/** The layout `npm run services:up` uses: FLOWLINE_* variables, else the documented defaults. */
export function layoutFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceLayout {
  const port = (name: string, fallback: number) => {
    const value = env[name]
    if (value === undefined || value === '') return fallback
    const parsed = Number(value)
    if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65_535)
      throw new Error(`${name}=${value} is not a port (1-65535)`)
    return parsed
  }
  const kafkaPort = port('FLOWLINE_KAFKA_PORT', 9092)
  const clusterPort = port('FLOWLINE_CLUSTER_PORT', 19_092)
  return {
    stateDir: defaultStateDir(env),
    kafkaPort,
    kafkaControllerPort: port('FLOWLINE_KAFKA_CONTROLLER_PORT', kafkaPort + 1),
    pgPort: port('FLOWLINE_PG_PORT', 5433),
    clusterPort,
    clusterControllerPort: port('FLOWLINE_CLUSTER_CONTROLLER_PORT', clusterPort + 100),
  }
}

/** The FLOWLINE_* variables that select `layout` (for a child process or the services CLI). */
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

/** A private layout on free ports under `stateDir`: it can never meet the shared services. */
export async function allocateLayout(stateDir: string): Promise<ServiceLayout> {
  const taken = new Set<number>()
  const take = async (count: number) => {
    const base = await freePortRange(count, taken)
    for (let port = base; port < base + count; port++) taken.add(port)
    return base
  }
  const kafkaPort = await take(2)
  return {
    stateDir: resolve(stateDir),
    kafkaPort,
    kafkaControllerPort: kafkaPort + 1,
    pgPort: await take(1),
    clusterPort: await take(3),
    clusterControllerPort: await take(3),
  }
}

/**
 * A fresh state directory under the system temp dir. mkdtemp makes it 0700; this directory is
 * ours, so it is opened to others (0755) for the `postgres` user that runs PostgreSQL as root.
 */
export function tempStateDir(prefix = 'flowline-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  chmodSync(dir, 0o755)
  return dir
}

export const kafkaBootstrap = (layout: ServiceLayout) => `${HOST}:${layout.kafkaPort}`
export const clusterBrokers = (layout: ServiceLayout) =>
  [0, 1, 2].map((i) => `${HOST}:${layout.clusterPort + i}`)
export const clusterBootstrap = (layout: ServiceLayout) => clusterBrokers(layout).join(',')
export const postgresUrl = (layout: ServiceLayout, database = 'flowline') =>
  `postgres://flowline:flowline@${HOST}:${layout.pgPort}/${database}`

/** The Kafka version the jars are built for (scripts/kafka/pom.xml). */
export const KAFKA_VERSION = (() => {
  const pom = new URL('../scripts/kafka/pom.xml', import.meta.url).pathname
  try {
    return /<kafka\.version>([^<]+)</.exec(readFileSync(pom, 'utf8'))?.[1] ?? 'unknown'
  } catch {
    return 'unknown'
  }
})()
