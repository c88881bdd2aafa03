import { setTimeout as sleep } from 'node:timers/promises'
import { memoryOf } from '../../harness/index.ts'
import type { BenchContext } from './e2e.ts'
import { type RunningLoad, startLoad } from './load.ts'
import { startPipeline } from './pipeline.ts'

export interface OutageOptions {
  /** Offered measurements/s, open loop, whatever ingest answers. */
  readonly ratePerS: number
  readonly batch: number
  readonly beforeS: number
  /** How long Kafka stays down once stopped. */
  readonly outageS: number
  readonly afterS: number
  readonly connections: number
}

export interface OutageResult {
  readonly options: OutageOptions
  /** Ingest VmRSS (MB): highest before the outage, while Kafka was down, and after it came back. */
  readonly rssMb: {
    readonly before: number
    readonly outageMax: number
    readonly outageEnd: number
    readonly after: number
  }
  /** Highest outage RSS minus highest RSS before: "flat" means near zero. */
  readonly outageGrowthMb: number
  readonly ingestPeakMb: number
  readonly kafkaStopS: number
  readonly kafkaStartS: number
  readonly statuses: Record<string, number>
  readonly skipped: number
  /** Records the broker acknowledged after Kafka came back: ingest recovered on its own. */
  readonly producedAfterRestart: number
  /**
   * Savers that exited during the scenario: 0 expected, since a consumer that loses Kafka rejoins
   * its group when the broker is back (src/broker/kafka/kafka-subscription.ts). Until 2026-12-05 a
   * saver exited after ~30 s of retries; the bench has no supervisor, so it counts them.
   */
  readonly saversExited: number
  readonly samples: readonly { readonly tS: number; readonly rssMb: number; readonly phase: string }[]
}

/**
 * Ingest memory while Kafka is down: keep offering load, stop the private broker, sample ingest's
 * VmRSS every 250 ms, restart the broker. The coalescer's in-flight budget (--max-in-flight)
 * should turn the outage into 503/429 answers, not into a growing heap.
 */
export async function measureOutage(context: BenchContext, options: OutageOptions): Promise<OutageResult> {
  const { services } = context
  const name = `${context.tag}_outage`.toLowerCase()
  const pipeline = await startPipeline(services, {
    mode: 'real',
    partitions: 4,
    savers: 1,
    name,
    ingestFlags: context.ingestFlags,
    saverFlags: context.saverFlags,
    ingestNodeFlags: context.ingestNodeFlags,
    saverNodeFlags: context.saverNodeFlags,
  })
  let phase = 'before'
  const samples: { tS: number; rssMb: number; phase: string }[] = []
  let sampling = true
  let load: RunningLoad | undefined
  try {
    await pipeline.prime()
    // Kafka's restart takes a while on a busy box; the load runs on until the after-phase is done.
    const restartBudgetS = 90
    load = startLoad({
      url: pipeline.ingestUrl,
      batch: options.batch,
      // Enough connections for ingest to hold more than its --max-in-flight budget while Kafka is down.
      connections: options.connections,
      ratePerS: options.ratePerS,
      warmupS: 0,
      durationS: options.beforeS + options.outageS + restartBudgetS + options.afterS,
      processes: 1,
      sensorsPerProcess: 20_000,
      sensorPrefix: `${name}-`,
      maxOutstanding: options.connections,
    })
    const origin = load.startAtMs
    const sampler = (async () => {
      while (sampling) {
        const rss = memoryOf(pipeline.ingest.pid)?.rssKb ?? 0
        samples.push({
          tS: Math.round((Date.now() - origin) / 100) / 10,
          rssMb: Math.round(rss / 1024),
          phase,
        })
        await sleep(250)
      }
    })()
    await sleep(Math.max(0, origin + options.beforeS * 1000 - Date.now()))
    phase = 'outage'
    let started = Date.now()
    await services.kafkaStop()
    const kafkaStopS = (Date.now() - started) / 1000
    await sleep(options.outageS * 1000)
    phase = 'restarting'
    started = Date.now()
    await services.kafkaStart()
    const kafkaStartS = (Date.now() - started) / 1000
    const producedAtRestart = await pipeline.produced()
    phase = 'after'
    await sleep(options.afterS * 1000)
    const producedAfterRestart = (await pipeline.produced()) - producedAtRestart
    const ingestPeakMb = Math.round((memoryOf(pipeline.ingest.pid)?.hwmKb ?? 0) / 1024)
    // End the load now rather than after the unused part of its restart budget.
    for (const proc of load.processes) proc.child.kill('SIGTERM')
    const loadResult = await load.done
    sampling = false
    await sampler
    const maxOf = (...phases: string[]) =>
      Math.max(0, ...samples.filter((s) => phases.includes(s.phase)).map((s) => s.rssMb))
    const outageSamples = samples.filter((s) => s.phase === 'outage' || s.phase === 'restarting')
    const rssMb = {
      before: maxOf('before'),
      outageMax: maxOf('outage', 'restarting'),
      outageEnd: outageSamples.at(-1)?.rssMb ?? 0,
      after: maxOf('after'),
    }
    return {
      options,
      rssMb,
      outageGrowthMb: rssMb.outageMax - rssMb.before,
      ingestPeakMb,
      kafkaStopS: round(kafkaStopS),
      kafkaStartS: round(kafkaStartS),
      statuses: loadResult.statuses,
      skipped: loadResult.skipped,
      producedAfterRestart,
      saversExited: pipeline.savers.filter((proc) => !proc.running).length,
      samples,
    }
  } catch (error) {
    // Every role's last output: one refusing connections may still be running (shutting down),
    // and one killed by a signal (the OOM killer's SIGKILL) has no exit code.
    const detail = [pipeline.ingest, ...pipeline.savers].map(
      (proc) =>
        `\n${proc.name} (pid ${proc.pid}) ${proc.running ? 'running' : `exited with ${proc.child.exitCode ?? proc.child.signalCode}`}:\n${proc.output().slice(-2000)}`,
    )
    // fetch's own message is only "fetch failed": the cause says refused, reset or timed out.
    const cause =
      (error as Error).cause instanceof Error ? ` (${((error as Error).cause as Error).message})` : ''
    throw new Error(`${(error as Error).message}${cause} (during ${phase})${detail.join('')}`, {
      cause: error,
    })
  } finally {
    sampling = false
    for (const proc of load?.processes ?? []) proc.child.kill('SIGTERM')
    await load?.done.catch(() => undefined)
    // Whatever happened, leave the private broker running for the next scenario.
    await services.kafkaStart().catch(() => undefined)
    await pipeline.stop()
  }
}

const round = (value: number) => Math.round(value * 10) / 10
