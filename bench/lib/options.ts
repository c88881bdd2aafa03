import { parseArgs } from 'node:util'

export const PARTS = [
  'ceilings',
  'batched',
  'sustained',
  'single',
  'latency',
  'scaling',
  'embedded',
  'outage',
  'aggregate',
  'stock',
] as const
export type Part = (typeof PARTS)[number]

/**
 * The ceilings, each a part of its own as `ceiling.<name>` (the id of its figure in the report), so
 * a run can measure again only the ceiling a ratio divides by; `ceilings` still means all of them.
 */
export const CEILINGS = [
  'kafka-default',
  'kafka-batched',
  'postgres-copy',
  'saver-statement',
  'http-single',
  'http-batch100',
] as const
export type Ceiling = (typeof CEILINGS)[number]
export type OnlyPart = Part | `ceiling.${Ceiling}`
const ONLY_PARTS: readonly string[] = [...PARTS, ...CEILINGS.map((name) => `ceiling.${name}`)]

/** Whether the selected parts measure this ceiling: named alone, or with all of them as `ceilings`. */
export const wantsCeiling = (only: readonly OnlyPart[], name: Ceiling) =>
  only.includes('ceilings') || only.includes(`ceiling.${name}`)

/** Everything a benchmark invocation can be told; `npm run bench -- --help` prints it. */
export interface BenchOptions {
  readonly runs: number
  readonly durationS: number
  readonly warmupS: number
  readonly ceilingDurationS: number
  readonly only: readonly OnlyPart[]
  readonly out: string
  readonly stateDir: string
  readonly kafkaPort: number
  readonly controllerPort: number
  readonly pgPort: number
  /** The collation of the databases the pipeline runs write to; the server's (C) when undefined. */
  readonly pgLocale: string | undefined
  readonly keepServices: boolean
  readonly maxLoadWaitS: number
  readonly loadThreshold: number
  readonly cpuProf: boolean
  readonly singleTool: 'wrk' | 'node' | 'auto'
  readonly kafkaRecords: number
  readonly pgRows: number
  readonly batches: readonly number[]
  /** Longest wait for the savers to catch up after the load, per scenario. */
  readonly drainLimitS: number
  /** Offered rate of the sustained run; 0 = 85% of this run's batched-100 E2E rate. */
  readonly sustainedRate: number
  readonly latencyBatch: number
  readonly latencyRates: readonly number[]
  readonly scaling: readonly number[]
  readonly outage: {
    readonly ratePerS: number
    readonly beforeS: number
    readonly outageS: number
    readonly afterS: number
    readonly connections: number
  }
  readonly label: string
  readonly quick: boolean
  readonly ingestFlags: Readonly<Record<string, string | boolean>>
  readonly saverFlags: Readonly<Record<string, string | boolean>>
  readonly aggregateFlags: Readonly<Record<string, string | boolean>>
  readonly ingestNodeFlags: readonly string[]
  readonly saverNodeFlags: readonly string[]
}

const HELP = `npm run bench -- [options]     (node bench/run.ts)

Measures Flowline end to end on a private Kafka and PostgreSQL (the harness, with its own
state dir and ports), beside the machine's own ceilings, and writes JSON + Markdown to --out.

  --runs N               repetitions; every figure is reported as min/median/max (3)
  --duration S           measured window of each end-to-end scenario, after the warm-up (60)
  --warmup S             warm-up before each window (10)
  --ceiling-duration S   window of the HTTP ceilings (20)
  --only LIST            comma-separated parts: ${PARTS.join(',')} (all);
                         ceiling.NAME measures one ceiling alone (\`ceilings\` is all of them), NAME one of
                         ${CEILINGS.join(',')}; e.g. --only ceiling.postgres-copy,batched
                         measures COPY and the batched scenarios, no other ceiling
  --out DIR              where results go (bench/results)
  --state-dir DIR        services state (/tmp/flowline-bench)
  --kafka-port P         private broker port (17092); controller on --controller-port (17093)
  --pg-port P            private PostgreSQL port (15433)
  --pg-locale L          make the pipelines' databases with LOCALE 'L' (an OS locale) instead of
                         the server's C, as a server made with a language's locale would
  --keep-services        leave the private services running at the end
  --max-load-wait S      before each measurement, wait up to S for a quiet machine (120)
  --load-threshold L     quiet = 1-min load average below L, or < 0.25 busy cores right now (0.7)
  --cpu-prof             write V8 CPU profiles of every Flowline process to <out>/profiles
  --single-tool T        load generator of the single-measurement run: wrk, node or auto (auto)
  --kafka-records N      records per ProducerPerformance run (5000000)
  --pg-rows N            rows of the PostgreSQL ceilings (2000000)
  --batches LIST         measurements per request of the max-load batched runs (100,1000)
  --drain-limit S        longest wait for the savers to catch up after a run (max(60, 2 × duration))
  --sustained-rate N     offered measurements/s of the sustained batched-100 run (0 = 85% of the
                         E2E rate batched-100 stored in the same run; 15000 without it)
  --latency-batch N      measurements per request in the fixed-rate latency runs (10)
  --latency-rates LIST   offered measurements/s of the latency runs (1000,10000)
  --scaling LIST         partitions = saver instances of the scaling runs (1,2,4)
  --outage-rate N        offered measurements/s through the 60 s Kafka outage (20000)
  --ingest-flags LIST    extra flags for every ingest (and embedded \`up\`), e.g. produce-batch=10000,produce-linger=5
  --ingest-node-flags=L  Node/V8 flags for every ingest, space-separated, e.g. "--ingest-node-flags=--max-semi-space-size=8"
  --saver-node-flags=L   Node/V8 flags for every saver process, e.g. "--saver-node-flags=--max-old-space-size=160"
  --saver-flags LIST     extra flags for every saver, e.g. batch-size=10000
  --aggregate-flags LIST extra flags for every aggregator, e.g. aggregate-batch-wait=5000
  --label TEXT           free text stored with the results
  --quick                smoke preset for CI: 1 run, 3 s windows, no waiting, small ceilings,
                         batches 100, scaling 2, latency 1000/s, a short outage
`

/** `a=1,b=2` as flags for a Flowline role. */
/** `flag=value,...`; `true` and `false` become the bare flag and its `--no-` form. */
function flagList(name: string, raw: string | undefined): Record<string, string | boolean> {
  const flags: Record<string, string | boolean> = {}
  for (const item of raw?.split(',').filter(Boolean) ?? []) {
    const [key, value] = item.split('=')
    if (!key || value === undefined)
      throw new Error(`--${name}: expected flag=value[,flag=value], got "${item}"`)
    flags[key.replace(/^--/, '')] = value === 'true' ? true : value === 'false' ? false : value
  }
  return flags
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      runs: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'ceiling-duration': { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      'state-dir': { type: 'string' },
      'kafka-port': { type: 'string' },
      'controller-port': { type: 'string' },
      'pg-port': { type: 'string' },
      'pg-locale': { type: 'string' },
      'keep-services': { type: 'boolean' },
      'max-load-wait': { type: 'string' },
      'load-threshold': { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      'single-tool': { type: 'string' },
      'kafka-records': { type: 'string' },
      'pg-rows': { type: 'string' },
      'latency-batch': { type: 'string' },
      'sustained-rate': { type: 'string' },
      batches: { type: 'string' },
      'drain-limit': { type: 'string' },
      'latency-rates': { type: 'string' },
      scaling: { type: 'string' },
      'outage-rate': { type: 'string' },
      label: { type: 'string' },
      'ingest-flags': { type: 'string' },
      'saver-flags': { type: 'string' },
      'aggregate-flags': { type: 'string' },
      'ingest-node-flags': { type: 'string' },
      'saver-node-flags': { type: 'string' },
      quick: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    process.stdout.write(HELP)
    process.exit(0)
  }
  const quick = values.quick === true
  const number = (name: string, raw: string | undefined, fallback: number, min = 0) => {
    if (raw === undefined) return fallback
    const value = Number(raw)
    if (!Number.isFinite(value) || value < min)
      throw new Error(`--${name} must be a number >= ${min}, got "${raw}"`)
    return value
  }
  const list = (name: string, raw: string | undefined, fallback: number[]) =>
    raw === undefined ? fallback : raw.split(',').map((item) => number(name, item, 0, 1))
  // The smoke preset leaves out the sustained run (it uses the same open-loop path as the latency
  // runs), the aggregator part (two more E2E runs and four drains would not fit its budget) and
  // the stock drains (four more).
  const only = (values.only?.split(',') ??
    PARTS.filter((part) => !quick || !['sustained', 'aggregate', 'stock'].includes(part))) as OnlyPart[]
  for (const part of only) if (!ONLY_PARTS.includes(part)) throw new Error(`--only: unknown part "${part}"`)
  const tool = values['single-tool'] ?? 'auto'
  if (!['wrk', 'node', 'auto'].includes(tool)) throw new Error(`--single-tool must be wrk, node or auto`)
  return {
    runs: number('runs', values.runs, quick ? 1 : 3, 1),
    durationS: number('duration', values.duration, quick ? 3 : 60, 1),
    warmupS: number('warmup', values.warmup, quick ? 1 : 10, 0),
    ceilingDurationS: number('ceiling-duration', values['ceiling-duration'], quick ? 3 : 20, 1),
    only,
    out: values.out ?? new URL('../results', import.meta.url).pathname,
    stateDir: values['state-dir'] ?? '/tmp/flowline-bench',
    // Below Linux's ephemeral range (32768-60999): while Kafka was down, a client retrying a port
    // in that range could be handed the same port as its own source and connect to itself
    // (a TCP self-connect), and the restarted broker then failed with "Address already in use".
    kafkaPort: number('kafka-port', values['kafka-port'], 17092, 1),
    controllerPort: number('controller-port', values['controller-port'], 17093, 1),
    pgPort: number('pg-port', values['pg-port'], 15433, 1),
    pgLocale: values['pg-locale'],
    keepServices: values['keep-services'] === true,
    maxLoadWaitS: number('max-load-wait', values['max-load-wait'], quick ? 0 : 120),
    loadThreshold: number('load-threshold', values['load-threshold'], 0.7),
    cpuProf: values['cpu-prof'] === true,
    singleTool: tool as BenchOptions['singleTool'],
    kafkaRecords: number('kafka-records', values['kafka-records'], quick ? 100_000 : 5_000_000, 1),
    pgRows: number('pg-rows', values['pg-rows'], quick ? 50_000 : 2_000_000, 1),
    batches: list('batches', values.batches, quick ? [100] : [100, 1000]),
    drainLimitS: number('drain-limit', values['drain-limit'], quick ? 10 : 0),
    sustainedRate: number('sustained-rate', values['sustained-rate'], 0),
    latencyBatch: number('latency-batch', values['latency-batch'], 10, 1),
    latencyRates: list('latency-rates', values['latency-rates'], quick ? [1000] : [1000, 10_000]),
    scaling: list('scaling', values.scaling, quick ? [2] : [1, 2, 4]),
    outage: quick
      ? {
          ratePerS: number('outage-rate', values['outage-rate'], 5000, 1),
          beforeS: 2,
          outageS: 3,
          afterS: 3,
          connections: 256,
        }
      : {
          ratePerS: number('outage-rate', values['outage-rate'], 20_000, 1),
          // Issue 18's outage: 60 s down. 30 s before it, because ingest's RSS still climbs through
          // its first 10-15 s of load (178 -> 250 MB), which a shorter lead-in counted as growth.
          beforeS: 30,
          outageS: 60,
          afterS: 15,
          connections: 1024,
        },
    label: values.label ?? '',
    ingestFlags: flagList('ingest-flags', values['ingest-flags']),
    saverFlags: flagList('saver-flags', values['saver-flags']),
    aggregateFlags: flagList('aggregate-flags', values['aggregate-flags']),
    ingestNodeFlags: values['ingest-node-flags']?.split(' ').filter(Boolean) ?? [],
    saverNodeFlags: values['saver-node-flags']?.split(' ').filter(Boolean) ?? [],
    quick,
  }
}
