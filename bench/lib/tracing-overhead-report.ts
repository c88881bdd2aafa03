import { median } from './figures.ts'

/** One measurement window of one mode: what the load got and what the two roles spent. */
export interface TracingSample {
  readonly round: number
  readonly mode: string
  readonly stored: number
  readonly accepted: number
  readonly p99: number
  /** CPU (user + system, from /proc) per stored measurement over the window, µs. */
  readonly ingestUs: number
  readonly saverUs: number
  readonly load1: number
}

export interface ReportSettings {
  readonly rounds: number
  readonly windowS: number
  /** Offered measurements/s; 0 = closed loop. */
  readonly rate: number
  /** Every mode loaded in the same windows (true), or one mode at a time. */
  readonly concurrent: boolean
  /** Rounds between restarts of every pipeline, their start order rotated by one (0: started once). */
  readonly restartEvery?: number
  readonly conditions: string
  /** What the traced modes sent over OTLP; undefined when not known (a pooled report). */
  readonly exportedMb?: number
}

const cpuOf = (sample: TracingSample) => sample.ingestUs + sample.saverUs
const pct = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)} %`
const spread = (values: readonly number[]) =>
  `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`

/**
 * A mode against off, round by round: each round's ratio to the off window of the same round, so a
 * machine whose load drifts between rounds weighs on both sides of each ratio alike.
 */
function pairedByRound(
  samples: readonly TracingSample[],
  mode: string,
  pick: (s: TracingSample) => number,
  counts: (s: TracingSample) => boolean = () => true,
): Array<{ round: number; difference: number }> {
  const paired: Array<{ round: number; difference: number }> = []
  for (const sample of samples.filter((s) => s.mode === mode && counts(s))) {
    const off = samples.find((s) => s.mode === 'off' && s.round === sample.round)
    if (off && counts(off) && pick(off) > 0)
      paired.push({ round: sample.round, difference: ((pick(sample) - pick(off)) / pick(off)) * 100 })
  }
  return paired
}

const pairedDifferences = (...args: Parameters<typeof pairedByRound>) =>
  pairedByRound(...args).map((pair) => pair.difference)

/** Two-sided 95 % quantiles of Student's t by degrees of freedom (1 to 20); 2.0 beyond. */
const T_95 = [
  12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.2, 2.18, 2.16, 2.14, 2.13, 2.12, 2.11, 2.1,
  2.09, 2.09,
]

/**
 * The mean of the paired differences with its 95 % confidence interval: the round-to-round noise
 * the pairing leaves, as the data show it, rather than off's spread alone.
 */
export function pairedInterval(
  differences: readonly number[],
): { mean: number; low: number; high: number } | undefined {
  const n = differences.length
  if (n < 2) return undefined
  const mean = differences.reduce((sum, value) => sum + value, 0) / n
  const variance = differences.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1)
  const half = (T_95[n - 2] ?? 2) * Math.sqrt(variance / n)
  return { mean, low: mean - half, high: mean + half }
}

/** Per block of `restartEvery` rounds (one start of the processes), the mean paired difference. */
function blockMeans(
  samples: readonly TracingSample[],
  mode: string,
  held: (s: TracingSample) => boolean,
  restartEvery: number | undefined,
): number[] {
  if (!restartEvery) return []
  const byBlock = new Map<number, number[]>()
  for (const { round, difference } of pairedByRound(samples, mode, cpuOf, held)) {
    const block = Math.floor((round - 1) / restartEvery)
    byBlock.set(block, [...(byBlock.get(block) ?? []), difference])
  }
  return [...byBlock.values()].map((values) => values.reduce((sum, value) => sum + value, 0) / values.length)
}

const isOff = (mode: string) => mode === 'off' || mode.startsWith('off ')

/**
 * With two off pipelines or more, a mode against the mean of the round's off windows: the
 * baseline then carries less of one pipeline's luck than a single off window does.
 */
function againstOffMean(
  samples: readonly TracingSample[],
  mode: string,
  held: (s: TracingSample) => boolean,
): number[] {
  const differences: number[] = []
  for (const sample of samples.filter((s) => s.mode === mode && held(s))) {
    const offs = samples.filter((s) => isOff(s.mode) && s.round === sample.round)
    if (offs.length < 2 || !offs.every(held)) continue
    const baseline = offs.reduce((sum, off) => sum + cpuOf(off), 0) / offs.length
    differences.push(((cpuOf(sample) - baseline) / baseline) * 100)
  }
  return differences
}

/** What a run says of a mode against a bound (the 3 % for 1 %): met, not met, or not resolved. */
export function verdict(interval: { low: number; high: number } | undefined, boundPercent: number): string {
  if (!interval) return 'not resolved (fewer than 2 rounds)'
  if (interval.high <= boundPercent) return `within ${boundPercent} % (the whole interval is below it)`
  if (interval.low > boundPercent) return `above ${boundPercent} % (the whole interval is above it)`
  return `not resolved against ${boundPercent} % (the interval straddles it)`
}

/** The rows of a report's first table: `| round | mode | stored/s | accepted/s | p99 | ingest | saver | CPU | load |`. */
export function samplesOf(markdown: string, firstRound: number): TracingSample[] {
  const samples: TracingSample[] = []
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim())
    // A row of the windows table has 9 cells between its bars, the first a round number.
    if (cells.length !== 11 || !/^\d+$/.test(cells[1] ?? '')) continue
    const [round, mode, stored, accepted, p99, ingest, saver, , load] = cells.slice(1, 10)
    samples.push({
      round: firstRound + Number(round),
      mode: mode ?? '',
      stored: Number(stored),
      accepted: Number.parseFloat(accepted ?? ''),
      p99: Number(p99),
      ingestUs: Number(ingest),
      saverUs: Number(saver),
      load1: Number(load),
    })
  }
  return samples
}

/** The Markdown results: every window, then per mode the medians, their spread and the paired difference to off. */
export function tracingOverheadReport(samples: readonly TracingSample[], settings: ReportSettings): string {
  const modes = [...new Set(samples.map((s) => s.mode))]
  // A window that fell behind the offered rate batched more per request and per poll: its CPU per
  // measurement is not comparable with one that kept up.
  const held = (s: TracingSample) => settings.rate === 0 || s.accepted >= settings.rate * 0.95
  const offered =
    settings.rate > 0 ? `open loop at ${settings.rate.toLocaleString('en')} measurements/s` : 'closed loop'
  const lines = [
    `# Tracing overhead (${new Date().toISOString().slice(0, 16)} UTC)`,
    '',
    `Conditions: ${settings.conditions}. Batched E2E (100 measurements a request), one ingest and one saver process per mode, ` +
      (settings.restartEvery
        ? `started again every ${settings.restartEvery} rounds with their start order rotated by one, `
        : 'started once and kept running, ') +
      `${offered}, ` +
      (settings.concurrent
        ? 'every mode loaded in the same windows, side by side, '
        : 'modes alternating window by window with their order rotated each round, ') +
      `${settings.rounds} rounds of ${settings.windowS} s. ` +
      `CPU = user + system time of the ingest and saver processes from /proc over the window, per stored measurement.`,
    '',
    '| round | mode | stored/s | accepted/s | HTTP p99 ms | ingest µs | saver µs | CPU µs/measurement | load avg 1 min |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...samples.map(
      (s) =>
        `| ${s.round} | ${s.mode} | ${s.stored} | ${s.accepted}${held(s) ? '' : ' (rate not held)'} | ${s.p99} | ${s.ingestUs.toFixed(1)} | ${s.saverUs.toFixed(1)} | ${cpuOf(s).toFixed(1)} | ${s.load1.toFixed(1)} |`,
    ),
    '',
    '| mode | CPU µs/measurement median (min–max) | ingest median | saver median | stored/s median | CPU vs off, paired per round: median (min–max) | stored/s vs off, paired |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const mode of modes) {
    const runs = samples.filter((s) => s.mode === mode)
    const cpu = runs.map(cpuOf)
    const paired = pairedDifferences(samples, mode, cpuOf)
    const pairedStored = pairedDifferences(samples, mode, (s) => s.stored)
    const versus = (values: number[]) =>
      mode === 'off' || values.length === 0
        ? ''
        : `${pct(median(values))} (${pct(Math.min(...values))} to ${pct(Math.max(...values))})`
    lines.push(
      `| ${mode} | ${median(cpu).toFixed(1)} (${spread(cpu)}) | ${median(runs.map((s) => s.ingestUs)).toFixed(1)} | ` +
        `${median(runs.map((s) => s.saverUs)).toFixed(1)} | ${Math.round(median(runs.map((s) => s.stored)))} | ` +
        `${versus(paired)} | ${versus(pairedStored)} |`,
    )
  }
  lines.push('')
  for (const mode of modes.filter((name) => name !== 'off')) {
    // Only rounds whose two windows held the rate: the others did not do the same work.
    const differences = pairedDifferences(samples, mode, cpuOf, held)
    const rounds = samples.filter((s) => s.mode === mode).length
    const interval = pairedInterval(differences)
    const blocks = blockMeans(samples, mode, held, settings.restartEvery)
    if (blocks.length > 0) {
      const overBlocks = pairedInterval(blocks)
      lines.push(
        `${mode} against off by restart block (the mean paired difference of each block of ${settings.restartEvery} rounds between restarts: ` +
          `${blocks.map(pct).join(', ')}): ` +
          (overBlocks
            ? `mean ${pct(overBlocks.mean)}, 95 % confidence interval ${pct(overBlocks.low)} to ${pct(overBlocks.high)}` +
              (mode === '1 %' ? `: ${verdict(overBlocks, 3)}. ` : '. ') +
              'Rounds between two restarts share their processes, so this interval, not the per-round one, also carries what one start of the processes happens to cost.'
            : 'fewer than 2 blocks, no interval.'),
      )
    }
    // `off B` (a mode given twice) is off again: what it shows is the bench's, not tracing's.
    const identical = isOff(mode) ? " (two identical pipelines: the bench's own bias and noise)" : ''
    lines.push(
      `${mode} against off${identical}, CPU per measurement paired per round (${differences.length} of ${rounds} rounds, ` +
        `those whose two windows held the rate): ` +
        (interval
          ? `mean ${pct(interval.mean)}, 95 % confidence interval ${pct(interval.low)} to ${pct(interval.high)}` +
            (mode === '1 %' ? `: ${verdict(interval, 3)}.` : '.')
          : 'fewer than 2 rounds, no interval.'),
    )
  }
  const offModes = modes.filter(isOff)
  for (const mode of offModes.length > 1 ? modes.filter((name) => !isOff(name)) : []) {
    const interval = pairedInterval(againstOffMean(samples, mode, held))
    lines.push(
      `${mode} against the mean of the ${offModes.length} off pipelines of its round: ` +
        (interval
          ? `mean ${pct(interval.mean)}, 95 % confidence interval ${pct(interval.low)} to ${pct(interval.high)}` +
            (mode === '1 %' ? `: ${verdict(interval, 3)}.` : '.')
          : 'fewer than 2 rounds, no interval.'),
    )
  }
  const offCpu = samples.filter((s) => s.mode === 'off').map(cpuOf)
  lines.push(
    '',
    `Noise floor: off's own CPU per measurement spans ${pct(((Math.max(...offCpu) - Math.min(...offCpu)) / median(offCpu)) * 100)} of its median over the rounds; ` +
      'a difference smaller than that is not resolved by this run.' +
      (settings.exportedMb === undefined ? '' : ` OTLP exported: ${settings.exportedMb.toFixed(1)} MB.`),
  )
  return `${lines.join('\n')}\n`
}
