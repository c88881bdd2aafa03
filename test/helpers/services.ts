import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import pg from 'pg'

/** Test resources are named per run so that runs never see each other's topics or databases. */
export const RUN_ID = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
let sequence = 0

export function uniqueName(prefix: string): string {
  sequence += 1
  return `${prefix}_${RUN_ID}_${sequence}`
}

export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://flowline:flowline@127.0.0.1:5433/flowline'
const HOW_TO_START =
  'Start the real services with `npm run services:up` (the README explains the prerequisites).'

function reachable(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':')
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port), timeout: 2000 })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
  })
}

/** Fails, never skips, when Kafka is down: an integration test that did not run proves nothing. */
export async function requireKafka(): Promise<string[]> {
  const first = KAFKA_BROKERS[0] ?? ''
  if (!(await reachable(first))) throw new Error(`Kafka is not reachable at ${first}. ${HOW_TO_START}`)
  return KAFKA_BROKERS
}

/** Creates an empty database on the test server. Returns its URL and how to drop it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = new URL(DATABASE_URL)
  if (!(await reachable(`${url.hostname}:${url.port || 5432}`))) {
    throw new Error(`PostgreSQL is not reachable at ${url.host}. ${HOW_TO_START}`)
  }
  const name = uniqueName('flowline_test').toLowerCase()
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  url.pathname = `/${name}`
  const drop = async () => {
    const cleanup = new pg.Client({ connectionString: DATABASE_URL })
    await cleanup.connect()
    await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await cleanup.end()
  }
  return { url: url.toString(), drop }
}
