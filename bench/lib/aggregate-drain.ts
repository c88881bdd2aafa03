import { setTimeout as sleep } from 'node:timers/promises'
import { cpuSecondsOf, freePort, metricSum, scrapeMetrics, startRole } from '../../harness/index.ts'
import { KafkaBroker } from '../../src/broker/kafka/kafka-broker.ts'
import { encodeMeasurement } from '../../src/domain/measurement.ts'
import type { BenchContext } from './e2e.ts'

export interface DrainComparison {
  readonly records: number
  readonly sensors: number
  readonly partitions: number
  /** Records/s of one process draining the same backlog alone, per round (saver and aggregator alternate). */
  readonly saverRatePerS: number[]
  readonly aggregatorRatePerS: number[]
  /** CPU µs per record of the role's process and of PostgreSQL (postmaster + backends), per round. */
  readonly saverCpuUs?: DrainCpu[]
  readonly aggregatorCpuUs?: DrainCpu[]
}

export interface DrainCpu {
  readonly role: number
  readonly postgres: number
}

interface Drain {
  readonly ratePerS: number
  readonly cpuUs: DrainCpu
}

/** CPU seconds by pid, for the pids given. */
const cpuByPid = (pids: readonly number[]) => new Map(pids.map((pid) => [pid, cpuSecondsOf(pid)]))

const PARTITIONS = 4
const SENSORS = 2000

/** Fills a topic with `records` valid readings, one a millisecond per sensor in turn, in the past. */
async function fillTopic(context: BenchContext, topic: string, records: number): Promise<void> {
  await context.services.createTopic(topic, PARTITIONS)
  const broker = new KafkaBroker({
    bootstrapBrokers: [context.services.kafkaBrokers],
    clientId: `${context.tag}-drain-fill`,
    requestTimeoutMs: 30_000,
  })
  try {
    const start = Date.now() - 3_600_000
    for (let first = 0; first < records; first += 10_000) {
      const chunk = []
      for (let i = first; i < Math.min(records, first + 10_000); i++) {
        const sensorId = `sensor-${i % SENSORS}`
        chunk.push({
          topic,
          key: sensorId,
          value: encodeMeasurement({ sensorId, temperature: 20 + (i % 100) / 10, timestampMs: start + i }),
        })
      }
      await broker.publish(chunk)
    }
  } finally {
    await broker.close()
  }
}

/** Starts one saver or aggregator on the backlog with a fresh database and group; returns its records/s, first batch included. */
async function drainOnce(
  context: BenchContext,
  role: 'saver' | 'aggregate',
  topic: string,
  records: number,
  name: string,
): Promise<Drain> {
  const databaseUrl = await context.services.createDatabase(name)
  const port = await freePort()
  const common = {
    kafka: context.services.kafkaBrokers,
    topic,
    'errors-topic': `${topic}_errors`,
    partitions: PARTITIONS,
    'database-url': databaseUrl,
    'log-level': 'warn',
  }
  const flags =
    role === 'saver'
      ? { ...common, group: `${name}_group`, 'saver-port': port, 'inline-aggregator': false }
      : {
          ...common,
          'aggregate-group': `${name}_group`,
          'windows-topic': `${name}_windows`,
          'alerts-topic': `${name}_alerts`,
          'aggregate-port': port,
          ...context.aggregateFlags,
        }
  const process = await startRole(role, { label: `${role}-${name}`, port, flags })
  try {
    const consumed = async () =>
      metricSum(await scrapeMetrics(`http://127.0.0.1:${port}`), 'flowline_records_consumed_total')
    // Timed from /health answering (the role started; migrations are behind it), so that the
    // first batch counts: its fetch and merge are the role's work. The group join is inside that
    // time too (the harness's broker has no initial rebalance delay): the rate errs low, not high.
    const startedAt = performance.now()
    const pid = process.pid ?? 0
    const roleCpuAtStart = cpuSecondsOf(pid)
    const postgresAtStart = cpuByPid(context.services.postgresPids())
    let done = 0
    const deadline = Date.now() + 600_000
    while (done < records && Date.now() < deadline) {
      await sleep(50)
      done = await consumed()
    }
    if (done < records) throw new Error(`${role} consumed ${done} of ${records} records within 10 minutes`)
    const seconds = (performance.now() - startedAt) / 1000
    const handled = done
    // A backend that started inside the window counts from 0; one that ended inside it is missed (rare: a pool).
    let postgres = 0
    for (const [pgPid, cpu] of cpuByPid(context.services.postgresPids()))
      postgres += cpu - (postgresAtStart.get(pgPid) ?? 0)
    return {
      ratePerS: Math.round(handled / seconds),
      cpuUs: {
        role: Math.round(((cpuSecondsOf(pid) - roleCpuAtStart) * 1e6) / handled),
        postgres: Math.round((postgres * 1e6) / handled),
      },
    }
  } finally {
    await process?.stop('SIGTERM', 30_000)
    await context.services.dropDatabase(name).catch(() => {})
  }
}

/**
 * The aggregator's throughput beside the saver's: one process of each drains the same backlog
 * alone, alternating (saver, aggregator, saver, aggregator...) so that both see the same machine.
 */
export async function compareDrains(
  context: BenchContext,
  records: number,
  rounds: number,
): Promise<DrainComparison> {
  const topic = `${context.tag}_drain`.toLowerCase()
  await fillTopic(context, topic, records)
  const result: DrainComparison = {
    records,
    sensors: SENSORS,
    partitions: PARTITIONS,
    saverRatePerS: [],
    aggregatorRatePerS: [],
    saverCpuUs: [],
    aggregatorCpuUs: [],
  }
  try {
    for (let round = 0; round < rounds; round++) {
      const saver = await drainOnce(context, 'saver', topic, records, `${topic}_s${round}`)
      const aggregator = await drainOnce(context, 'aggregate', topic, records, `${topic}_a${round}`)
      result.saverRatePerS.push(saver.ratePerS)
      result.aggregatorRatePerS.push(aggregator.ratePerS)
      result.saverCpuUs?.push(saver.cpuUs)
      result.aggregatorCpuUs?.push(aggregator.cpuUs)
      context.log(
        `  drain round ${round + 1}: saver ${saver.ratePerS}/s (${saver.cpuUs.role} + pg ${saver.cpuUs.postgres} µs/record), aggregator ${aggregator.ratePerS}/s (${aggregator.cpuUs.role} + pg ${aggregator.cpuUs.postgres} µs/record)`,
      )
    }
  } finally {
    await context.services.deleteTopics([topic])
  }
  return result
}
