import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Admin } from '@platformatic/kafka'
import pg from 'pg'
import { portOpen } from './ports.ts'

/** Resources are named per run so that runs never see each other's topics, groups or databases. */
export const RUN_ID = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
let sequence = 0

export function uniqueName(prefix: string): string {
  sequence += 1
  return `${prefix}_${RUN_ID}_${sequence}`
}

/** Where a cleanup is registered: node:test's `t.after`, or anything alike. */
export interface CleanupScope {
  after(fn: () => unknown): void
}

const HOW_TO_START =
  'Start the real services with `npm run services:up` (the README explains the prerequisites).'

/** Runs one query on a fresh connection (servers under test are stopped and restarted; nothing is kept open). */
export async function query<Row extends pg.QueryResultRow>(
  url: string,
  text: string,
  params: unknown[] = [],
  timeoutMs = 60_000,
): Promise<Row[]> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: Math.min(5000, timeoutMs),
    query_timeout: timeoutMs,
  })
  client.on('error', () => {})
  await client.connect()
  try {
    return (await client.query<Row>(text, params)).rows
  } finally {
    await client.end().catch(() => {})
  }
}

/** Fails, never skips, when the server is down: a test that did not run proves nothing. */
export async function requireReachable(what: string, hostPort: string): Promise<void> {
  const [host, port] = hostPort.split(':')
  if (!(await portOpen(Number(port), host)))
    throw new Error(`${what} is not reachable at ${hostPort}. ${HOW_TO_START}`)
}

export interface ScratchDatabase {
  readonly name: string
  readonly url: string
  drop(): Promise<void>
}

/** `CREATE DATABASE name`, with the collation and character classes of `locale` when given. */
export function createDatabaseStatement(name: string, locale?: string): string {
  // template0: template1 may hold objects collated for the server's default locale.
  return locale === undefined
    ? `CREATE DATABASE ${name}`
    : `CREATE DATABASE ${name} TEMPLATE template0 LOCALE '${locale.replaceAll("'", "''")}'`
}

/**
 * An empty database on the server of `adminUrl`, dropped by `drop()` or, given a scope, when the
 * scope ends. `name` is unique per run unless given.
 */
export async function scratchDatabase(
  adminUrl: string,
  options: {
    scope?: CleanupScope
    name?: string
    prefix?: string
    /** The database's collation and character classes (an OS locale); the server's default otherwise. */
    locale?: string
  } = {},
): Promise<ScratchDatabase> {
  const url = new URL(adminUrl)
  await requireReachable('PostgreSQL', `${url.hostname}:${url.port || 5432}`)
  const name = (options.name ?? uniqueName(options.prefix ?? 'flowline_test')).toLowerCase()
  await query(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await query(adminUrl, createDatabaseStatement(name, options.locale))
  url.pathname = `/${name}`
  const drop = async () => {
    await query(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
  options.scope?.after(drop)
  return { name, url: url.toString(), drop }
}

export interface ScratchTopic {
  readonly name: string
  delete(): Promise<void>
}

/** Runs `use` with an admin client of `brokers`, closed afterwards. */
export async function withKafkaAdmin<T>(
  brokers: readonly string[],
  use: (admin: Admin) => Promise<T>,
): Promise<T> {
  const admin = new Admin({
    clientId: uniqueName('flowline-harness'),
    bootstrapBrokers: [...brokers],
    timeout: 10_000,
  })
  try {
    return await use(admin)
  } finally {
    await admin.close().catch(() => {})
  }
}

/**
 * Deletes the topics of `names` that exist (a full benchmark run writes gigabytes) and waits,
 * bounded, until the brokers no longer list them (deletion is asynchronous).
 */
export async function deleteTopics(brokers: readonly string[], names: readonly string[]): Promise<void> {
  await withKafkaAdmin(brokers, async (admin) => {
    const present = async () => {
      const existing = new Set(await admin.listTopics())
      return names.filter((name) => existing.has(name))
    }
    const found = await present()
    if (found.length > 0) await admin.deleteTopics({ topics: found })
    for (let tries = 0; tries < 100 && (await present()).length > 0; tries++) await sleep(100)
  })
}

/**
 * A topic created up front (roles starting together would race to create it), deleted by
 * `delete()` or when the scope ends.
 */
export async function scratchTopic(
  brokers: readonly string[],
  options: {
    scope?: CleanupScope
    name?: string
    prefix?: string
    partitions?: number
    replicationFactor?: number
  } = {},
): Promise<ScratchTopic> {
  await requireReachable('Kafka', brokers[0] ?? '')
  const name = options.name ?? uniqueName(options.prefix ?? 'topic')
  await withKafkaAdmin(brokers, (admin) =>
    admin.createTopics({
      topics: [name],
      partitions: options.partitions ?? 4,
      replicas: options.replicationFactor ?? 1,
    }),
  )
  const remove = () => deleteTopics(brokers, [name]).catch(() => {})
  options.scope?.after(remove)
  return { name, delete: remove }
}
