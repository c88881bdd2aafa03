import { mkdirSync, rmSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { authHeaders } from '../../harness/credentials.ts'
import {
  type Flags,
  freePort,
  metricSum,
  type NodeProcess,
  type RoleOptions,
  scrapeMetrics,
  startRole,
} from '../../harness/index.ts'
import type { BenchServices } from './services.ts'

export interface PipelineSpec {
  readonly mode: 'real' | 'embedded'
  readonly partitions: number
  readonly savers: number
  /** Window aggregator processes (real mode), or the aggregator inside `up` (embedded) when > 0. */
  readonly aggregators?: number
  /** The aggregator inside each saver (`--inline-aggregator`) instead of processes of its own. */
  readonly inlineAggregator?: boolean
  /** Unique per scenario: names the database, topics, group and data dir. */
  readonly name: string
  /** Directory for --cpu-prof of every Flowline process, or none. */
  readonly cpuProfDir?: string
  readonly logLevel?: string
  /** Extra flags for ingest (or `up` in embedded mode), each saver and each aggregator, to try settings without editing code. */
  readonly ingestFlags?: Readonly<Record<string, string | boolean>>
  readonly saverFlags?: Readonly<Record<string, string | boolean>>
  readonly aggregateFlags?: Readonly<Record<string, string | boolean>>
  readonly ingestNodeFlags?: readonly string[]
  readonly saverNodeFlags?: readonly string[]
}

/** A Flowline deployment under test: ingest and savers as separate processes, or one embedded `up`. */
export interface Pipeline {
  readonly spec: PipelineSpec
  readonly ingestUrl: string
  readonly ingest: NodeProcess
  /** Empty in embedded mode, where the saver runs inside the `up` process. */
  readonly savers: readonly NodeProcess[]
  /** The aggregator processes (real mode); empty without. */
  readonly aggregators: readonly NodeProcess[]
  /** The PostgreSQL database (real mode). */
  readonly database: string | undefined
  /**
   * Records the broker acknowledged and rows the savers inserted, from the processes' /metrics;
   * with aggregator processes, also the records they consumed (committed with their checkpoint).
   */
  counters(): Promise<{ produced: number; inserted: number; aggregated?: number }>
  /** Records the broker acknowledged, from ingest's /metrics alone (the savers may be down). */
  produced(): Promise<number>
  /** Sends a few measurements and waits until they are stored: the group has formed and data flows. */
  prime(): Promise<void>
  stop(): Promise<void>
}

/** Starts a role and returns its process (the bench never restarts one). */
async function startProcess(label: string, role: string, port: number, flags: Flags, options: RoleOptions) {
  const started = await startRole(role, { ...options, label, port, flags })
  if (!started.process) throw new Error(`${label} did not start`)
  return started.process
}

export async function startPipeline(services: BenchServices, spec: PipelineSpec): Promise<Pipeline> {
  const logLevel = spec.logLevel ?? 'warn'
  const topic = `${spec.name}_temperatures`
  const errorsTopic = `${spec.name}_errors`
  const profile = { cpuProfDir: spec.cpuProfDir }
  const ingestProfile = { ...profile, nodeFlags: spec.ingestNodeFlags }
  const started: NodeProcess[] = []
  let database: string | undefined
  let dataDir: string | undefined
  let cleaned = false
  const cleanup = async () => {
    if (cleaned) return
    cleaned = true
    await Promise.all(started.map((proc) => proc.stop('SIGTERM', 30_000)))
    if (database) await services.dropDatabase(database).catch(() => {})
    if (spec.mode === 'real')
      await services.deleteTopics([topic, errorsTopic, `${spec.name}_windows`, `${spec.name}_alerts`])
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    const ingestPort = await freePort()
    let ingest: NodeProcess
    const saverPorts: number[] = []
    const aggregatorPorts: number[] = []
    if (spec.mode === 'embedded') {
      dataDir = `${services.options.stateDir}/embedded/${spec.name}`
      rmSync(dataDir, { recursive: true, force: true })
      mkdirSync(dataDir, { recursive: true })
      const [adminPort, saverPort, aggregatePort, deadLetterSaverPort] = [
        await freePort(),
        await freePort(),
        await freePort(),
        await freePort(),
      ]
      ingest = await startProcess(
        `up-${spec.name}`,
        'up',
        ingestPort,
        {
          embedded: true,
          simulator: false,
          'data-dir': dataDir,
          partitions: spec.partitions,
          'ingest-port': ingestPort,
          'admin-port': adminPort,
          'saver-port': saverPort,
          'aggregate-port': aggregatePort,
          'dead-letter-saver-port': deadLetterSaverPort,
          aggregator: (spec.aggregators ?? 0) > 0 || spec.inlineAggregator === true,
          'inline-aggregator': spec.inlineAggregator === true,
          'log-level': logLevel,
          ...spec.ingestFlags,
        },
        ingestProfile,
      )
      started.push(ingest)
      saverPorts.push(saverPort)
    } else {
      database = spec.name.toLowerCase()
      const databaseUrl = await services.createDatabase(database)
      await services.createTopic(topic, spec.partitions)
      await services.createTopic(errorsTopic, 1)
      const kafka = {
        kafka: services.kafkaBrokers,
        topic,
        'errors-topic': errorsTopic,
        partitions: spec.partitions,
        'log-level': logLevel,
      }
      ingest = await startProcess(
        `ingest-${spec.name}`,
        'ingest',
        ingestPort,
        { ...kafka, 'database-url': databaseUrl, 'ingest-port': ingestPort, ...spec.ingestFlags },
        ingestProfile,
      )
      started.push(ingest)
      const aggregatorFlags = {
        'aggregate-group': `${spec.name}_aggregate`,
        'windows-topic': `${spec.name}_windows`,
        'alerts-topic': `${spec.name}_alerts`,
        ...spec.aggregateFlags,
      }
      for (let index = 0; index < spec.savers; index++) {
        const port = await freePort()
        const flags = {
          ...kafka,
          'database-url': databaseUrl,
          group: `${spec.name}_saver`,
          'saver-port': port,
          // Explicit both ways: the saver runs the aggregator inside by default.
          'inline-aggregator': spec.inlineAggregator === true,
          ...(spec.inlineAggregator && aggregatorFlags),
          ...spec.saverFlags,
        }
        started.push(
          await startProcess(`saver${index}-${spec.name}`, 'saver', port, flags, {
            ...profile,
            nodeFlags: spec.saverNodeFlags,
          }),
        )
        saverPorts.push(port)
      }
      for (let index = 0; index < (spec.aggregators ?? 0); index++) {
        const port = await freePort()
        const flags = { ...kafka, 'database-url': databaseUrl, 'aggregate-port': port, ...aggregatorFlags }
        started.push(await startProcess(`aggregate${index}-${spec.name}`, 'aggregate', port, flags, profile))
        aggregatorPorts.push(port)
      }
    }
    const ingestUrl = `http://127.0.0.1:${ingestPort}`
    const counters = async () => {
      const ingestText = await scrapeMetrics(`http://127.0.0.1:${ingestPort}`)
      const saverTexts =
        spec.mode === 'embedded'
          ? [ingestText]
          : await Promise.all(saverPorts.map((port) => scrapeMetrics(`http://127.0.0.1:${port}`)))
      const aggregatorTexts = spec.inlineAggregator
        ? saverTexts
        : await Promise.all(aggregatorPorts.map((port) => scrapeMetrics(`http://127.0.0.1:${port}`)))
      // An aggregator counts the records it merged (its checkpoint moved past) under group "aggregate".
      const aggregated = (text: string) =>
        metricSum(text, 'flowline_records_consumed_total', (line) => line.includes('group="aggregate"'))
      return {
        produced: metricSum(ingestText, 'flowline_records_produced_total'),
        inserted: saverTexts.reduce((sum, text) => sum + metricSum(text, 'flowline_rows_inserted_total'), 0),
        ...((aggregatorPorts.length > 0 || spec.inlineAggregator) && {
          aggregated: aggregatorTexts.reduce((sum, text) => sum + aggregated(text), 0),
        }),
      }
    }
    return {
      spec,
      ingestUrl,
      ingest,
      savers: started.slice(1, 1 + (spec.mode === 'real' ? spec.savers : 0)),
      aggregators: spec.mode === 'real' ? started.slice(1 + spec.savers) : [],
      database,
      counters,
      produced: async () =>
        metricSum(await scrapeMetrics(`http://127.0.0.1:${ingestPort}`), 'flowline_records_produced_total'),
      async prime() {
        const now = Date.now()
        const items = Array.from({ length: 200 }, (_, i) => ({
          sensor_id: `prime-${spec.name}-${i}`,
          temperature: 20,
          timestamp: now,
        }))
        const deadline = Date.now() + 120_000
        const before = (await counters()).inserted
        const response = await fetch(`${ingestUrl}/measurements`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...authHeaders() },
          body: JSON.stringify(items),
        })
        if (response.status !== 202)
          throw new Error(`priming POST answered ${response.status}: ${await response.text()}`)
        while ((await counters()).inserted < before + items.length) {
          if (Date.now() > deadline)
            throw new Error(`the pipeline stored no priming measurement within 120 s`)
          await sleep(200)
        }
      },
      stop: cleanup,
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}
