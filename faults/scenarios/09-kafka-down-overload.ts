import { freePortRange } from '../../harness/index.ts'
import { HeapProbe } from '../lib/heap-probe.ts'
import { checkAlive, checkBrokerOutage, type MemorySamples, sampleMemory } from '../lib/outage.ts'
import type { Scenario } from '../lib/scenario.ts'
import { NORMAL_LOAD, type ScenarioRun } from '../lib/scenario-run.ts'

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

/** Least-squares slope of [seconds, MiB] points, in MiB per minute. */
function slopePerMinute(points: readonly [number, number][]): number {
  const n = points.length
  if (n < 2) return 0
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n
  let numerator = 0
  let denominator = 0
  for (const [x, y] of points) {
    numerator += (x - meanX) * (y - meanY)
    denominator += (x - meanX) ** 2
  }
  return denominator === 0 ? 0 : Math.round((numerator / denominator) * 600) / 10
}

/**
 * Kafka is down for minutes while clients offer five times the normal load (open loop, up to 512
 * more requests in flight). Ingest must refuse everything with 503 or 429 and keep no hidden
 * buffer. Memory is watched two ways: resident memory every second from /proc/<pid>/status, and
 * every 10 s the heap still in use after a full GC forced through the V8 inspector (resident
 * memory alone follows the collector's schedule). After a warm-up both must stay level.
 * The in-flight budget is lowered to 5,000 records so that the surge reaches it: both refusal
 * paths, 429 (budget full) and 503 (no acknowledgement in time), are exercised.
 */
export const kafkaDownOverload: Scenario = {
  id: 9,
  slug: 'kafka-down-overload',
  title: 'Kafka down for minutes under 5× load: only 503/429, flat ingest memory',
  promises: ['P3', 'P4'],
  async run(run) {
    const ingest = await run.createRole('ingest', 'ingest', { 'max-in-flight': 5000 })
    const inspectPort = await freePortRange(1)
    ingest.execArgv = [`--inspect=127.0.0.1:${inspectPort}`]
    await ingest.start()
    run.event('ingest started', `pid ${ingest.pid}, port ${ingest.port}, V8 inspector on ${inspectPort}`)
    const heap = await HeapProbe.connect(inspectPort)
    try {
      const saver = await run.startRole('saver', 'saver')
      run.sampleLag()
      run.startLoad(ingest.url)
      await run.sleep(5000)
      await run.services.kafka.kill()
      const downFrom = Date.now()
      const downFromS = run.elapsedS()
      run.event('fault', 'Kafka SIGKILLed')
      const stopSampling = sampleMemory(run, ingest, heap)
      const surge = run.startLoad(ingest.url, { ratePerS: NORMAL_LOAD.ratePerS * 4, maxInFlight: 512 })
      run.event('offered load raised to 5× normal')
      const outageS = run.short ? 90 : 180
      await run.sleep(outageS * 1000)
      await surge.stop()
      const downUntil = Date.now()
      const memory = stopSampling()
      run.event('healing', 'starting Kafka')
      await run.services.kafka.start()
      run.heal('Kafka started again, load back to normal')
      await run.sleep(run.short ? 5000 : 15_000)

      const inside = checkBrokerOutage(run, downFrom, downUntil, 'Kafka is down under 5× load')
      run.metrics.refusals = run.history.statusHistogram(inside)
      checkAlive(run, [ingest, saver])
      judgeMemory(run, memory, downFromS, run.short ? 30 : 60, outageS)
    } finally {
      heap.close()
    }
  },
}

/**
 * After the warm-up (pools, the in-flight budget and V8's spaces fill up), a buffer that kept
 * what Kafka cannot take would grow with every refused request: 250 requests/s of 10
 * measurements is 150,000 requests a minute, so even 20 bytes kept per request is 3 MiB/min.
 */
function judgeMemory(
  run: ScenarioRun,
  memory: MemorySamples,
  downFromS: number,
  warmUpS: number,
  outageS: number,
) {
  const from = downFromS + warmUpS
  const live = memory.liveHeap.filter(([at]) => at >= from)
  const rss = memory.rss.filter(([at]) => at >= from)
  const liveSlope = slopePerMinute(live)
  const liveValues = live.map(([, mib]) => mib)
  const rssValues = rss.map(([, mib]) => mib)
  const rssStart = median(rssValues.slice(0, 20))
  const rssPeak = Math.max(...rssValues)
  run.metrics.ingestMemory = {
    liveHeapMiB: { min: Math.min(...liveValues), max: Math.max(...liveValues), slopePerMinute: liveSlope },
    rssMiB: { afterWarmUp: rssStart, peak: rssPeak, slopePerMinute: slopePerMinute(rss) },
    maxInFlightRecords: Math.max(...memory.inFlight.map(([, records]) => records)),
    liveHeapSamples: memory.liveHeap,
    rssSamples: memory.rss,
  }
  run.check(
    'ingest memory stays flat during the outage',
    live.length >= 3 &&
      liveSlope <= 3 &&
      Math.max(...liveValues) - Math.min(...liveValues) <= 16 &&
      rssPeak - rssStart <= 64,
    `after ${warmUpS} s of warm-up: heap after full GC ${Math.min(...liveValues)}-${Math.max(...liveValues)} MiB ` +
      `(slope ${liveSlope} MiB/min, ${live.length} samples); RSS ${rssStart} MiB, peak ${rssPeak} MiB; ` +
      `at most ${Math.max(...memory.inFlight.map(([, records]) => records))} records waiting for Kafka (${outageS} s outage)`,
  )
}
