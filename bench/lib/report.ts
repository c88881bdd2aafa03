import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { NODE_FLAGS, nodeFlagsFor } from '../../src/runtime/node-flags.ts'
import { AGGREGATOR_KEPT_UP_S } from './e2e.ts'
import { computeFigures, type Figure, figureDefinitions, median } from './figures.ts'
import type { MachineInfo } from './machine.ts'
import type { BenchOptions } from './options.ts'
import type { RunResult } from './suite.ts'

export interface BenchReport {
  readonly startedAt: string
  readonly finishedAt: string
  readonly label: string
  readonly machine: MachineInfo
  readonly versions: Record<string, string>
  readonly configuration: Record<string, unknown>
  readonly figures: readonly Figure[]
  readonly runs: readonly RunResult[]
}

export function buildReport(
  options: BenchOptions,
  machine: MachineInfo,
  versions: Record<string, string>,
  configuration: Record<string, unknown>,
  runs: readonly RunResult[],
  startedAt: string,
): BenchReport {
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    label: options.label,
    machine,
    versions,
    configuration,
    figures: computeFigures(figureDefinitions(options), runs),
    runs,
  }
}

/** Which run is the latest: a small index instead of a byte-for-byte copy of its files. */
export interface LatestIndex {
  readonly startedAt: string
  readonly json: string
  readonly markdown: string
}

/** Writes `bench-<stamp>.json` and `.md`, and `latest.json`, the index naming them. Returns the paths. */
export function writeReport(out: string, report: BenchReport): { json: string; markdown: string } {
  mkdirSync(out, { recursive: true })
  const stamp = report.startedAt.replace(/[:.]/g, '-').slice(0, 19)
  const json = join(out, `bench-${stamp}.json`)
  const markdown = join(out, `bench-${stamp}.md`)
  const text = `${JSON.stringify(report, null, 1)}\n`
  const md = renderMarkdown(report)
  writeFileSync(json, text)
  writeFileSync(markdown, md)
  const latest: LatestIndex = {
    startedAt: report.startedAt,
    json: basename(json),
    markdown: basename(markdown),
  }
  writeFileSync(join(out, 'latest.json'), `${JSON.stringify(latest, null, 1)}\n`)
  return { json, markdown }
}

const fmt = (value: number | undefined, unit = '') => {
  if (value === undefined || Number.isNaN(value)) return '–'
  const text =
    Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en') : String(Math.round(value * 100) / 100)
  return unit === 'ms' || unit === 'MB' ? `${text} ${unit}` : text
}

const row = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`

function figureRows(figures: readonly Figure[], withTarget: boolean): string[] {
  const lines = [
    row([
      'figure',
      'min',
      'median',
      'max',
      ...(withTarget ? ['target', 'status'] : []),
      'median ÷ ceiling (min–max), same run',
    ]),
    row(['---', '---:', '---:', '---:', ...(withTarget ? ['---', '---'] : []), '---']),
  ]
  for (const f of figures) {
    const status = f.met === undefined ? '' : f.met ? 'met' : `**missed** (${f.missBy})`
    const target = f.target ? `${f.target.op} ${fmt(f.target.value, f.unit)}` : ''
    const ratios = f.ratios.map((r) => `${r.median}× ${r.ceiling} (${r.min}–${r.max})`).join('; ')
    lines.push(
      row([
        f.label,
        fmt(f.min, f.unit),
        `**${fmt(f.median, f.unit)}**`,
        fmt(f.max, f.unit),
        ...(withTarget ? [target, status] : []),
        ratios,
      ]),
    )
  }
  return lines
}

export function renderMarkdown(report: BenchReport): string {
  const { machine, versions, configuration, runs } = report
  const lines: string[] = []
  lines.push(`# Flowline benchmark, ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC`, '')
  if (report.label) lines.push(`> ${report.label}`, '')
  lines.push(
    `- **Machine:** ${machine.nproc} cores (${machine.cpuModel}), ${machine.memoryGb} GB RAM, Linux ${machine.kernel}. ` +
      'Load generator, ingest, saver(s), Kafka and PostgreSQL all share these cores.',
    `- **Versions:** ${Object.entries(versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}.`,
    `- **Configuration:** ${Object.entries(configuration)
      .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
      .join(', ')}.`,
    `- **Runs:** ${runs.length}; ${report.startedAt} → ${report.finishedAt}.`,
  )
  const others = runs.flatMap((run) => Object.values(run.e2e).map((e) => e.cores.others ?? 0))
  const notQuiet = runs.flatMap((run) =>
    Object.entries(run.quietness)
      .filter(([, q]) => !q.quiet)
      .map(([id]) => `run ${run.index + 1} ${id}`),
  )
  lines.push(
    `- **Other tenants:** CPU used by processes other than the benchmark's during the measured windows: median ${fmt(median(others))} cores, max ${fmt(Math.max(0, ...others))} cores (column "others" below). ` +
      (notQuiet.length > 0
        ? `Started without a quiet machine after the bounded wait: ${notQuiet.join(', ')}. Figures from windows where "others" exceeds ~0.3 cores were measured while other heavy jobs ran.`
        : 'Every measurement started on a quiet machine.'),
    '',
  )
  const targets = report.figures.filter((f) => f.target)
  lines.push('## Targets', '', ...figureRows(targets, true), '')
  for (const group of ['Throughput', 'Latency', 'Memory', 'Scaling', 'Embedded', 'Ceilings']) {
    const figures = report.figures.filter((f) => f.group === group)
    if (figures.length > 0) lines.push(`## ${group}`, '', ...figureRows(figures, false), '')
  }

  lines.push('## Scenario details, every run', '')
  lines.push(
    row([
      'run',
      'scenario',
      'E2E /s',
      '202 /s',
      'kept up',
      'lag end',
      'drain s (rows/s)',
      'POST→row p50/p95/p99 ms',
      'HTTP p50/p99 ms',
      'not 202',
      'peak RSS ingest/saver MB',
      'cores ingest/savers/aggregators/kafka/pg/load/others',
      'load avg before',
    ]),
    row(['---:', '---', '---:', '---:', '---', '---:', '---:', '---:', '---:', '---', '---:', '---', '---:']),
  )
  for (const run of runs)
    for (const [id, e] of Object.entries(run.e2e)) {
      const c = e.cores
      lines.push(
        row([
          run.index + 1,
          id,
          fmt(e.e2eRatePerS),
          fmt(e.acceptedRatePerS),
          e.keptUp ? 'yes' : '**no**',
          fmt(e.lag.end),
          `${e.drain.seconds} (${fmt(e.drain.ratePerS)})${e.drain.complete ? '' : ' incomplete'}`,
          e.latencyMs ? `${e.latencyMs.p50} / ${e.latencyMs.p95} / ${e.latencyMs.p99}` : 'n/a',
          `${e.http.p50} / ${e.http.p99}`,
          refusals(e.load.statuses, e.load.requests, e.load.networkErrors),
          `${e.memoryMb.ingestPeak} / ${e.memoryMb.saver0Peak ?? '–'}`,
          [c.ingest, c.savers, c.aggregators ?? 0, c.kafka, c.postgres, c.load, c.others]
            .map((v) => fmt(v))
            .join(' / '),
          e.loadAverage.before[0] ?? '–',
        ]),
      )
    }
  lines.push('')
  lines.push(...costSection(runs))

  const drains = runs.filter((run) => run.aggregateDrain)
  if (drains.length > 0) {
    lines.push('## Window aggregator beside the saver', '')
    lines.push(
      'One process drains the same backlog alone (fresh database and group each time), saver and',
      'aggregator alternating; records/s from the process answering /health (group join and first',
      'batch included) to the last record consumed, and CPU µs per record of the role process +',
      'PostgreSQL over that time. Target for one aggregator process: 150,000/s. The E2E run with the',
      "aggregator counts only if it kept up: its lag (records produced − consumed) at the window's end in",
      `seconds of input, and its drain time after the load, both under ${AGGREGATOR_KEPT_UP_S} s.`,
      '',
      row([
        'run',
        'records',
        'saver /s (rounds)',
        'aggregator /s (rounds)',
        'CPU µs/record saver, aggregator (role + pg)',
        'E2E batched-100 without / with aggregator process / inside the saver (the default)',
        'default layout vs the sensor pipeline bare (no auth, no inventory consumers, no aggregator)',
        'aggregator in E2E, process; inside the saver: lag end (s of input), drain s, kept up',
      ]),
      row(['---:', '---:', '---', '---', '---', '---', '---', '---']),
    )
    for (const run of drains) {
      const d = run.aggregateDrain
      if (!d) continue
      const rateOf = (variant: string) => run.e2e[`aggregate-batched-100-${variant}`]?.e2eRatePerS
      const without = rateOf('without')
      const bare = rateOf('bare')
      const beside = (rate: number | undefined, base: number | undefined) => {
        if (!base || !rate) return fmt(rate)
        return `${fmt(rate)} (${Math.abs(Math.round((1 - rate / base) * 100))} % ${rate > base ? 'more' : 'less'})`
      }
      const rateWith = (variant: string) => beside(rateOf(variant), without)
      const kept = (variant: string) => {
        const a = run.e2e[`aggregate-batched-100-${variant}`]?.aggregator
        return a
          ? `${fmt(a.lagEnd)} (${a.lagEndS}), ${a.drainS}${a.complete ? '' : ' incomplete'}, ${a.keptUp ? 'yes' : '**no**'}`
          : '–'
      }
      lines.push(
        row([
          run.index + 1,
          fmt(d.records),
          d.saverRatePerS.map((rate) => fmt(rate)).join(', '),
          d.aggregatorRatePerS.map((rate) => fmt(rate)).join(', '),
          `${cpuCells(d.saverCpuUs)}; ${cpuCells(d.aggregatorCpuUs)}`,
          `${fmt(without)} / ${rateWith('with')} / ${rateWith('inline')}`,
          `${beside(rateOf('inline'), bare)} against ${fmt(bare)}`,
          `${kept('with')}; ${kept('inline')}`,
        ]),
      )
    }
    lines.push('')
  }

  const stockDrains = runs.filter((run) => run.stockDrain)
  if (stockDrains.length > 0) {
    lines.push('## Stock movements beside the measurement saver', '')
    lines.push(
      'One saver process (`--streams stock-movements`, then `--streams measurements`) drains a backlog',
      'alone (fresh database, topic and group each time; 10,000 skus, 4 partitions), the two alternating.',
      'Steady rate from the first stored row to the last; CPU per record of the saver process and of the',
      'PostgreSQL backends. Target for stock: 30,000 movements/s.',
      '',
      row([
        'run',
        'stream',
        'records',
        'steady /s',
        'with group join /s',
        'saver CPU µs',
        'PostgreSQL CPU µs',
        'levels = ledger',
      ]),
      row(['---:', '---', '---:', '---:', '---:', '---:', '---:', '---']),
    )
    for (const run of stockDrains)
      for (const d of run.stockDrain?.drains ?? [])
        lines.push(
          row([
            run.index + 1,
            d.stream,
            fmt(d.stored),
            fmt(d.steadyPerSecond ?? undefined),
            fmt(d.perSecond),
            d.saverCpuUsPerRecord,
            d.postgresCpuUsPerRecord,
            d.invariant === undefined ? '–' : d.invariant ? 'yes' : 'NO',
          ]),
        )
    lines.push('')
  }

  const outages = runs.filter((run) => run.outage)
  if (outages.length > 0) {
    lines.push('## Kafka outage under load (ingest memory)', '')
    lines.push(
      row([
        'run',
        'offered /s',
        'before / down s',
        'RSS before',
        'RSS outage max',
        'RSS outage end',
        'RSS after',
        'growth',
        'answers',
        'Kafka stop / start s',
        'produced after restart',
        'savers that exited',
      ]),
      row(['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---', '---:', '---:', '---:']),
    )
    for (const run of outages) {
      const o = run.outage
      if (!o) continue
      lines.push(
        row([
          run.index + 1,
          fmt(o.options.ratePerS),
          `${o.options.beforeS} / ${o.options.outageS}`,
          fmt(o.rssMb.before, 'MB'),
          fmt(o.rssMb.outageMax, 'MB'),
          fmt(o.rssMb.outageEnd, 'MB'),
          fmt(o.rssMb.after, 'MB'),
          fmt(o.outageGrowthMb, 'MB'),
          Object.entries(o.statuses)
            .map(([status, n]) => `${status}: ${n}`)
            .join(', ') + (o.skipped ? `, skipped: ${o.skipped}` : ''),
          `${o.kafkaStopS} / ${o.kafkaStartS}`,
          fmt(o.producedAfterRestart),
          // Older results lack the field.
          fmt(o.saversExited ?? 0),
        ]),
      )
    }
    lines.push('')
  }

  lines.push('## Ceilings, every run', '')
  lines.push(row(['run', 'ceiling', 'rate', 'details']), row(['---:', '---', '---:', '---']))
  for (const run of runs) {
    const c = run.ceilings
    for (const [name, kafka] of [
      ['Kafka, producer defaults', c.kafkaDefault],
      ['Kafka, batched', c.kafkaBatched],
    ] as const)
      if (kafka)
        lines.push(
          row([
            run.index + 1,
            name,
            `${fmt(kafka.ratePerS)} records/s`,
            `${kafka.records.toLocaleString('en')} × 90 B, ${kafka.producerProps}; ${kafka.mbPerS} MB/s; latency avg ${kafka.latencyMs.avg} ms, p99 ${kafka.latencyMs.p99} ms; broker ${fmt(kafka.cores.kafka)} cores, machine ${fmt(kafka.cores.machine)}`,
          ]),
        )
    for (const [name, pgc] of [
      ['PostgreSQL COPY', c.postgresCopy],
      ['saver statement alone', c.saverStatement],
    ] as const)
      if (pgc)
        lines.push(
          row([
            run.index + 1,
            name,
            `${fmt(pgc.ratePerS)} rows/s`,
            `${pgc.rows.toLocaleString('en')} rows in ${pgc.seconds} s; ${pgc.method}`,
          ]),
        )
    for (const [name, h] of [
      ['Fastify trivial, single', c.httpSingle],
      ['Fastify trivial, batch 100', c.httpBatch100],
    ] as const)
      if (h)
        lines.push(
          row([
            run.index + 1,
            name,
            `${fmt(h.requestsPerS)} req/s = ${fmt(h.measurementsPerS)} measurements/s`,
            `${h.tool}, ${h.connections} connections; HTTP p50 ${h.http.p50} ms, p99 ${h.http.p99} ms; server ${fmt(h.cores.server)} cores, generator ${fmt(h.cores.load)}, others ${fmt(h.cores.others)}`,
          ]),
        )
  }
  lines.push('')
  const errors = runs.flatMap((run) =>
    Object.entries(run.errors).map(([id, error]) => `- run ${run.index + 1}, ${id}: ${error.split('\n')[0]}`),
  )
  if (errors.length > 0) lines.push('## Failures', '', ...errors, '')
  lines.push(METHOD)
  return `${lines.join('\n')}\n`
}

/** Requests not answered 202, as a share, with their codes. */
function refusals(statuses: Record<string, number>, requests: number, networkErrors: number): string {
  const refused = Object.entries(statuses).filter(([status]) => !status.startsWith('202') && status !== '2xx')
  const count = refused.reduce((sum, [, n]) => sum + n, 0) + networkErrors
  if (count === 0) return '0'
  const share = requests > 0 ? `${Math.round((count / requests) * 1000) / 10}%` : `${count}`
  const codes = refused.map(([status, n]) => `${status}: ${n}`)
  if (networkErrors > 0) codes.push(`network: ${networkErrors}`)
  return `${share} (${codes.join(', ')})`
}

/** CPU per measurement by component (median over runs), and what 100,000/s would need. */
function costSection(runs: readonly RunResult[]): string[] {
  const ids = [...new Set(runs.flatMap((run) => Object.keys(run.e2e)))]
  const groups = ['ingest', 'savers', 'aggregators', 'postgres', 'kafka', 'load', 'total']
  const lines = [
    '## CPU per measurement (µs, median of runs)',
    '',
    'Ingest and the generator per measurement answered 202, Kafka per record produced, savers, aggregators and PostgreSQL per row committed. ' +
      '"Cores at 100k/s" = total × 100,000 / 10⁶: what this code would need on this machine for the batched target.',
    '',
    row(['scenario', ...groups, 'cores at 100k/s']),
    row(['---', ...groups.map(() => '---:'), '---:']),
  ]
  for (const id of ids) {
    const costs = runs.map((run) => run.e2e[id]?.cpuMicrosPerMeasurement).filter((c) => c !== undefined)
    const mid = (group: string) => {
      const values = costs.map((c) => c[group]).filter((v): v is number => v !== undefined)
      return values.length > 0 ? median(values) : undefined
    }
    const total = mid('total')
    lines.push(
      row([id, ...groups.map((group) => fmt(mid(group))), total === undefined ? '–' : fmt(total / 10)]),
    )
  }
  return [...lines, '']
}

const METHOD = `## Method

- **Services.** A private Kafka broker (KRaft, single node) and PostgreSQL server started by
  the harness (\`harness/\`) with their own state directory and ports; PostgreSQL runs with fsync and
  synchronous_commit on, and with \`track_commit_timestamp = on\` (set by the harness with ALTER SYSTEM).
  Every scenario gets a fresh database, fresh topics (4 partitions unless stated) and a fresh group;
  Flowline runs with its defaults, each role its own process (\`flowline ingest\`, \`flowline saver\`),
  as \`node ${NODE_FLAGS.join(' ')} src/main.ts\`, the saver as \`node ${nodeFlagsFor('saver').join(' ')} src/main.ts\`
  (the V8 flags of \`src/runtime/node-flags.ts\`).
- **E2E throughput.** After priming (200 measurements stored), the load runs for warm-up + window.
  The figure is the number of rows whose transaction committed inside the window
  (\`pg_xact_commit_timestamp(xmin)\`) divided by the window. "202/s" is what ingest acknowledged in the
  window. Lag = records Kafka acknowledged (ingest's \`flowline_records_produced_total\`) minus rows inserted
  (savers' \`flowline_rows_inserted_total\`), sampled every second. "Kept up" = the lag grew by less than one
  second of input over the window and drained within 5 s after the load stopped; when it did not, the E2E
  figure is the savers' drain rate (they were saturated), and the drain column gives the rate after the load.
- **POST→row latency.** Each measurement's timestamp is its send time (ms), taken by the generator just
  before the request is written. After the run, for rows sent inside the window: commit timestamp of the
  row's transaction − timestamp. Both clocks are this machine's CLOCK_REALTIME (Node/wrk gettimeofday and
  PostgreSQL's commit record); the ms truncation adds 0–1 ms. A row is visible to readers from its commit.
- **HTTP latency.** Response time at the generator, for requests sent inside the window.
- **Load generators.** Batched and fixed-rate runs: \`bench/lib/load-worker.ts\` (undici Pool, bodies
  built as strings, no retries; fixed rates are open loop: a request is due on schedule whatever the
  answers, and is skipped and counted when all connections are busy). Single-measurement runs: wrk with
  \`bench/lib/wrk-measurement.lua\` when installed (a C client costs a fraction of the CPU per request of a
  Node client, which matters on 2 shared cores), else two Node generator processes. Sensors: 20,000 per
  generator, names unique per generator and run; a sensor's timestamp is bumped by 1 ms when it would repeat.
- **CPU.** Per process from /proc/<pid>/stat over the window (PostgreSQL = postmaster + backends, Kafka =
  the broker JVM, load = generator processes); "others" = the machine's busy time (/proc/stat) minus all of
  those and the harness: other tenants of a shared box.
- **Memory.** Peak RSS = VmHWM of each process at the end of its scenario; ingest RSS also sampled each
  second. Outage: open-loop load at a fixed rate, a graceful broker stop (SIGTERM) on the private broker,
  load continues, \`kafka-start\`, load continues; ingest VmRSS sampled every 250 ms.
- **Ceilings** (same run, same machine, nothing else of ours running): Kafka's
  \`org.apache.kafka.tools.ProducerPerformance\` (90-byte records, acks=all, enable.idempotence=true, full JIT),
  with the producer's defaults and with large batches (Flowline's coalescer sends up to 5,000 records a
  request); PostgreSQL COPY of the same kind of rows through \`psql \\copy\` into the same table with the same
  indexes (COPY does not maintain the \`sensors\` summary); the saver's own INSERT statement without Kafka;
  Fastify on a trivial route (parse the JSON body, answer 202) with the same load generator.
- **Quiet machine.** Before each measurement the harness waits (bounded) until the 1-minute load average is
  below the threshold or fewer than 0.25 cores are busy right now; what it found is in the JSON
  (\`quietness\`) and the load average column.
`

/** `role + pg` per round, or a dash for results written before the CPU was measured. */
function cpuCells(rounds: readonly { role: number; postgres: number }[] | undefined): string {
  return rounds?.map((cpu) => `${cpu.role} + ${cpu.postgres}`).join(', ') || '–'
}
