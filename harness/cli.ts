import { spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { CLUSTER_SIZE, KAFKA_VERSION, kafkaLibs } from './kafka.ts'
import { clusterBootstrap, kafkaBootstrap, layoutFromEnv } from './layout.ts'
import { Services } from './services.ts'

/**
 * `npm run services:up|down|status` and the other commands of scripts/services.sh (which only
 * takes the state-dir lock and runs this). Progress goes to stderr, the summary lines to stdout.
 */
const services = new Services(layoutFromEnv())
const { layout, kafka, cluster, postgres } = services
const log = (line: string) => process.stderr.write(`services: ${line}\n`)
const row = (name: string, text: string) => process.stdout.write(`${name.padEnd(10)} ${text}\n`)

async function kafkaLine(): Promise<boolean> {
  const pid = kafka.pid()
  if (pid === undefined) row('kafka', `${kafkaBootstrap(layout)}  NOT RUNNING  log: ${kafka.logFile}`)
  else
    row(
      'kafka',
      `${kafkaBootstrap(layout)} (KRaft, Kafka ${KAFKA_VERSION}, pid ${pid})  log: ${kafka.logFile}`,
    )
  return pid !== undefined
}

async function postgresLine(): Promise<boolean> {
  const pid = postgres.pid()
  if (pid === undefined) row('postgres', `${postgres.url()}  NOT RUNNING  log: ${postgres.logFile}`)
  else
    row(
      'postgres',
      `${postgres.url()} (PostgreSQL ${await postgres.version()}, pid ${pid})  log: ${postgres.logFile}`,
    )
  return pid !== undefined
}

function clusterLines(): boolean {
  cluster.nodes.forEach((node, i) => {
    const pid = node.pid()
    row(
      `kafka-c${i + 1}`,
      pid === undefined
        ? `${node.url}  NOT RUNNING  log: ${node.logFile}`
        : `${node.url} (KRaft broker+controller node ${i + 1} of ${CLUSTER_SIZE}, pid ${pid})  log: ${node.logFile}`,
    )
  })
  return cluster.running
}

async function status(): Promise<number> {
  let ok = await kafkaLine()
  try {
    ok = (await postgresLine()) && ok
  } catch {
    row('postgres', `${postgres.url()}  NOT INSTALLED (apt-get install -y postgresql)`)
    ok = false
  }
  if (cluster.nodes.some((node) => node.running)) clusterLines()
  else row('cluster', `${clusterBootstrap(layout)}  not running (start: scripts/services.sh cluster-up)`)
  row('state', layout.stateDir)
  return ok ? 0 : 1
}

function brokerNumber(arg: string | undefined): number {
  const n = Number(arg)
  if (!Number.isInteger(n) || n < 1 || n > CLUSTER_SIZE)
    throw new Error(`broker number must be 1..${CLUSTER_SIZE} (got '${arg ?? ''}')`)
  return n
}

const TOOLS: Record<string, string> = {
  topics: 'org.apache.kafka.tools.TopicCommand',
  'console-producer': 'org.apache.kafka.tools.ConsoleProducer',
  'console-consumer': 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  'consumer-groups': 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  'metadata-quorum': 'org.apache.kafka.tools.MetadataQuorumCommand',
  'get-offsets': 'org.apache.kafka.tools.GetOffsetShell',
  'broker-api-versions': 'org.apache.kafka.tools.BrokerApiVersionsCommand',
  'delete-records': 'org.apache.kafka.tools.DeleteRecordsCommand',
  storage: 'kafka.tools.StorageTool',
}

async function kafkaCli(args: string[]): Promise<number> {
  const [tool, ...rest] = args
  if (!tool) throw new Error('usage: services.sh kafka-cli TOOL [args...]')
  const name = tool.replace(/^kafka-/, '')
  const mainClass = TOOLS[name] ?? (tool.includes('.') ? tool : `org.apache.kafka.tools.${tool}`)
  const libs = await kafkaLibs(kafka.tuning)
  // Interactive tools (console producer/consumer) need the terminal: run it attached.
  const result = spawnSync(
    'java',
    [
      '-Xshare:auto',
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-Xms32m',
      '-Xmx256m',
      `-Dlog4j2.configurationFile=${new URL('../scripts/kafka/tools-log4j2.xml', import.meta.url).pathname}`,
      '-cp',
      `${libs}/*`,
      mainClass,
      ...rest,
    ],
    { stdio: 'inherit' },
  )
  return result.status ?? 1
}

async function wipe(): Promise<void> {
  for (const node of [kafka, ...cluster.nodes])
    if (node.running) throw new Error(`${node.spec.name} is running; run 'scripts/services.sh down' first`)
  if (postgres.running) throw new Error("postgres is running; run 'scripts/services.sh down' first")
  const dirs = [kafka.spec.dir, join(layout.stateDir, 'kafka-cluster'), postgres.dir]
  for (const dir of dirs) if (existsSync(dir)) rmSync(dir, { recursive: true, force: true })
  log(`wiped ${dirs.join(' ')}`)
}

async function main(command: string | undefined, args: string[]): Promise<number> {
  switch (command) {
    case 'status':
      return status()
    case 'env':
      process.stdout.write(
        `KAFKA_BROKERS=${kafkaBootstrap(layout)}\nDATABASE_URL=${postgres.url()}\nKAFKA_CLUSTER_BROKERS=${clusterBootstrap(layout)}\n`,
      )
      return 0
    case 'up': {
      const unknown = args.filter((arg) => arg !== '--cluster')
      if (unknown.length > 0) throw new Error(`up: unknown option ${unknown[0]}`)
      await services.up({ cluster: args.includes('--cluster') })
      return status()
    }
    case 'down':
      await services.down()
      log('stopped')
      return 0
    case 'kafka-start':
      await kafka.start()
      return (await kafkaLine()) ? 0 : 1
    case 'kafka-stop':
      await kafka.stop()
      return 0
    case 'kafka-kill':
      await kafka.kill()
      return 0
    case 'kafka-restart':
      await kafka.stop()
      await kafka.start()
      return (await kafkaLine()) ? 0 : 1
    case 'pg-start':
      await postgres.start()
      return (await postgresLine()) ? 0 : 1
    case 'pg-stop':
      await postgres.stop()
      return 0
    case 'pg-kill':
      await postgres.kill()
      return 0
    case 'pg-restart':
      await postgres.stop()
      await postgres.start()
      return (await postgresLine()) ? 0 : 1
    case 'cluster-up':
      await cluster.start()
      return clusterLines() ? 0 : 1
    case 'cluster-down':
      await cluster.stop()
      return 0
    case 'cluster-start-broker':
      await cluster.startBroker(brokerNumber(args[0]))
      clusterLines()
      return 0
    case 'cluster-stop-broker':
      await cluster.broker(brokerNumber(args[0])).stop()
      return 0
    case 'cluster-kill-broker':
      await cluster.broker(brokerNumber(args[0])).kill()
      return 0
    case 'kafka-cli':
      return kafkaCli(args)
    case 'wipe':
      await wipe()
      return 0
    default:
      return 2
  }
}

const [command, ...args] = process.argv.slice(2)
try {
  process.exitCode = await main(command, args)
} catch (error) {
  log(`error: ${(error as Error).message}`)
  process.exitCode = 1
}
