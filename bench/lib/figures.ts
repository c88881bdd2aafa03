import type { E2EResult } from './e2e.ts'
import type { BenchOptions } from './options.ts'
import type { RunResult } from './suite.ts'

type Getter = (run: RunResult) => number | undefined

export interface FigureDefinition {
  readonly id: string
  readonly group: string
  readonly label: string
  readonly unit: string
  readonly get: Getter
  readonly target?: { readonly op: '>=' | '<='; readonly value: number }
  readonly ceilings?: readonly { readonly label: string; readonly get: Getter }[]
}

export interface Figure {
  readonly id: string
  readonly group: string
  readonly label: string
  readonly unit: string
  readonly values: readonly number[]
  readonly min: number
  readonly median: number
  readonly max: number
  readonly target?: { readonly op: '>=' | '<='; readonly value: number }
  /** Whether the median meets the target, and by how much it misses (share of the target). */
  readonly met?: boolean
  readonly missBy?: string
  /** Figure / ceiling, computed per run (both measured in the same run), then min/median/max. */
  readonly ratios: readonly {
    readonly ceiling: string
    readonly min: number
    readonly median: number
    readonly max: number
  }[]
}

const e2e =
  (id: string, pick: (result: E2EResult) => number | undefined): Getter =>
  (run) => {
    const result = run.e2e[id]
    return result ? pick(result) : undefined
  }

const KAFKA: { label: string; get: Getter } = {
  label: 'Kafka ProducerPerformance (batched)',
  get: (run) => run.ceilings.kafkaBatched?.ratePerS,
}
const COPY: { label: string; get: Getter } = {
  label: 'PostgreSQL COPY',
  get: (run) => run.ceilings.postgresCopy?.ratePerS,
}
const HTTP_BATCH: { label: string; get: Getter } = {
  label: 'Fastify trivial route, batch 100',
  get: (run) => run.ceilings.httpBatch100?.measurementsPerS,
}
const HTTP_SINGLE: { label: string; get: Getter } = {
  label: 'Fastify trivial route, single',
  get: (run) => run.ceilings.httpSingle?.measurementsPerS,
}

/** Every figure the report shows, with its target and the ceilings it is compared with. */
export function figureDefinitions(options: BenchOptions): FigureDefinition[] {
  const defs: FigureDefinition[] = []
  const throughput = (id: string, label: string, target?: number, ceilings = [KAFKA, COPY, HTTP_BATCH]) => {
    defs.push({
      id: `${id}.e2e`,
      group: 'Throughput',
      label: `E2E ${label}: rows committed/s`,
      unit: '/s',
      get: e2e(id, (r) => r.e2eRatePerS),
      target: target ? { op: '>=', value: target } : undefined,
      ceilings,
    })
    defs.push({
      id: `${id}.accepted`,
      group: 'Throughput',
      label: `${label}: measurements answered 202/s`,
      unit: '/s',
      get: e2e(id, (r) => r.acceptedRatePerS),
      ceilings: ceilings.filter((c) => c !== COPY),
    })
  }
  throughput('batched-100', 'batched 100/request', 100_000)
  throughput('batched-1000', 'batched 1000/request', 100_000)
  throughput('sustained-100', 'sustained batched 100/request (open loop, savers keep up)', 100_000)
  defs.push({
    id: 'sustained-100.offered',
    group: 'Throughput',
    label: 'sustained batched 100: offered rate (85% of the batched-100 E2E rate)',
    unit: '/s',
    get: e2e('sustained-100', (r) => r.scenario.ratePerS),
  })
  defs.push({
    id: 'sustained-100.kept-up',
    group: 'Throughput',
    label: 'sustained batched 100: savers kept up (1 = yes)',
    unit: '',
    get: e2e('sustained-100', (r) => (r.keptUp ? 1 : 0)),
  })
  throughput('single', 'single measurement/request', 20_000, [HTTP_SINGLE, KAFKA, COPY])

  const latency = (id: string, label: string, p99Target?: number) => {
    for (const p of ['p50', 'p95', 'p99'] as const) {
      defs.push({
        id: `${id}.post-to-row.${p}`,
        group: 'Latency',
        label: `POST→row committed ${p}, ${label}`,
        unit: 'ms',
        get: e2e(id, (r) => r.latencyMs?.[p]),
        target: p === 'p99' && p99Target ? { op: '<=', value: p99Target } : undefined,
      })
    }
    for (const p of ['p50', 'p99'] as const)
      defs.push({
        id: `${id}.http.${p}`,
        group: 'Latency',
        label: `HTTP response ${p}, ${label}`,
        unit: 'ms',
        get: e2e(id, (r) => r.http[p]),
      })
  }
  for (const rate of options.latencyRates)
    latency(`latency-${rate}`, `${rate.toLocaleString('en')}/s offered`, rate === 10_000 ? 250 : undefined)
  latency('sustained-100', 'sustained rate (batched 100)')
  latency('batched-100', 'max load (batched 100)')
  latency('single', 'max load (single)')

  const scenarioIds = [
    'batched-100',
    'batched-1000',
    'single',
    ...options.latencyRates.map((rate) => `latency-${rate}`),
    ...options.scaling.map((n) => `scaling-p${n}-s${n}`),
  ]
  for (const id of scenarioIds)
    defs.push({
      id: `${id}.ingest-peak-rss`,
      group: 'Memory',
      label: `ingest peak RSS (VmHWM), ${id}`,
      unit: 'MB',
      get: e2e(id, (r) => r.memoryMb.ingestPeak),
      target: { op: '<=', value: 200 },
    })
  defs.push({
    id: 'batched-100.saver-peak-rss',
    group: 'Memory',
    label: 'saver peak RSS (VmHWM), batched-100',
    unit: 'MB',
    get: e2e('batched-100', (r) => r.memoryMb.saver0Peak),
    target: { op: '<=', value: 300 },
  })
  defs.push({
    id: 'outage.rss-before',
    group: 'Memory',
    label: 'ingest RSS before the Kafka outage (max)',
    unit: 'MB',
    get: (run) => run.outage?.rssMb.before,
    target: { op: '<=', value: 200 },
  })
  defs.push({
    id: 'outage.rss-max',
    group: 'Memory',
    label: 'ingest RSS during the Kafka outage (max)',
    unit: 'MB',
    get: (run) => run.outage?.rssMb.outageMax,
    target: { op: '<=', value: 200 },
  })
  defs.push({
    id: 'outage.rss-growth',
    group: 'Memory',
    label: 'ingest RSS growth during the outage (max during − max before)',
    unit: 'MB',
    get: (run) => run.outage?.outageGrowthMb,
    target: { op: '<=', value: 30 },
  })

  for (const n of options.scaling)
    defs.push({
      id: `scaling-p${n}-s${n}.e2e`,
      group: 'Scaling',
      label: `E2E batched 100, ${n} partition(s) × ${n} saver(s)`,
      unit: '/s',
      get: e2e(`scaling-p${n}-s${n}`, (r) => r.e2eRatePerS),
      ceilings: [KAFKA, COPY],
    })
  defs.push({
    id: 'embedded-batched-100.e2e',
    group: 'Embedded',
    label: 'embedded E2E batched 100: rows inserted/s',
    unit: '/s',
    get: e2e('embedded-batched-100', (r) => r.e2eRatePerS),
    target: { op: '>=', value: 30_000 },
    ceilings: [HTTP_BATCH],
  })
  defs.push({
    id: 'embedded-batched-100.accepted',
    group: 'Embedded',
    label: 'embedded batched 100: measurements answered 202/s',
    unit: '/s',
    get: e2e('embedded-batched-100', (r) => r.acceptedRatePerS),
  })
  defs.push({
    id: 'embedded-batched-100.peak-rss',
    group: 'Embedded',
    label: 'embedded `up` process peak RSS',
    unit: 'MB',
    get: e2e('embedded-batched-100', (r) => r.memoryMb.ingestPeak),
    target: { op: '<=', value: 400 },
  })

  const ceiling = (id: string, label: string, get: Getter) =>
    defs.push({ id: `ceiling.${id}`, group: 'Ceilings', label, unit: '/s', get })
  ceiling(
    'kafka-default',
    'Kafka ProducerPerformance, producer defaults (records/s)',
    (r) => r.ceilings.kafkaDefault?.ratePerS,
  )
  ceiling('kafka-batched', 'Kafka ProducerPerformance, batch.size=512k linger.ms=10 (records/s)', KAFKA.get)
  ceiling('postgres-copy', 'PostgreSQL COPY into measurements (rows/s)', COPY.get)
  ceiling(
    'saver-statement',
    "saver's INSERT statement alone, 5000/batch (rows/s)",
    (r) => r.ceilings.saverStatement?.ratePerS,
  )
  ceiling('http-single', 'Fastify trivial route, single (requests/s)', HTTP_SINGLE.get)
  ceiling('http-batch100', 'Fastify trivial route, batch 100 (measurements/s)', HTTP_BATCH.get)
  return defs
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits

/** Turns each definition into min/median/max over the runs that produced it. */
export function computeFigures(
  definitions: readonly FigureDefinition[],
  runs: readonly RunResult[],
): Figure[] {
  const figures: Figure[] = []
  for (const definition of definitions) {
    const values = runs.map(definition.get).filter((value): value is number => value !== undefined)
    if (values.length === 0) continue
    const mid = median(values)
    const target = definition.target
    let met: boolean | undefined
    let missBy: string | undefined
    if (target) {
      met = target.op === '>=' ? mid >= target.value : mid <= target.value
      if (!met) {
        const share = target.op === '>=' ? 1 - mid / target.value : mid / target.value - 1
        missBy = `${target.op === '>=' ? '−' : '+'}${Math.round(share * 100)}%`
      }
    }
    const ratios = (definition.ceilings ?? []).flatMap((ceiling) => {
      const perRun = runs
        .map((run) => {
          const value = definition.get(run)
          const limit = ceiling.get(run)
          return value !== undefined && limit ? value / limit : undefined
        })
        .filter((ratio): ratio is number => ratio !== undefined)
      if (perRun.length === 0) return []
      return [
        {
          ceiling: ceiling.label,
          min: round(Math.min(...perRun)),
          median: round(median(perRun)),
          max: round(Math.max(...perRun)),
        },
      ]
    })
    figures.push({
      id: definition.id,
      group: definition.group,
      label: definition.label,
      unit: definition.unit,
      values,
      min: Math.min(...values),
      median: round(mid, 1),
      max: Math.max(...values),
      target,
      met,
      missBy,
      ratios,
    })
  }
  return figures
}
