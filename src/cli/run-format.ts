import type { RunView } from '../etl/run-repository.ts'

const number = new Intl.NumberFormat('en-US')

function size(value: number, unit: string): string {
  if (unit !== 'bytes') return `${number.format(value)} ${unit}`
  return value >= 1e9
    ? `${(value / 1e9).toFixed(2)} GB`
    : value >= 1e6
      ? `${(value / 1e6).toFixed(1)} MB`
      : `${number.format(value)} B`
}

function seconds(value: number | null): string {
  if (value === null) return '?'
  return value >= 3600
    ? `${Math.floor(value / 3600)}h${Math.floor((value % 3600) / 60)}m`
    : value >= 60
      ? `${Math.floor(value / 60)}m${value % 60}s`
      : `${value}s`
}

export function countsLine(run: RunView): string {
  const { read, valid, rejected, loaded, duplicates } = run.counts
  return `read ${number.format(read)}, valid ${number.format(valid)}, rejected ${number.format(rejected)}, loaded ${number.format(loaded)}, duplicates ${number.format(duplicates)}`
}

/** One line for a log or a non-terminal output. */
export function progressLine(run: RunView): string {
  const { done, total, unit, eta_s } = run.progress
  const of = total === null ? '' : ` of ${size(total, unit)}`
  const rate = run.rows_per_s === null ? '' : `, ${number.format(run.rows_per_s)} rows/s`
  const eta = run.status === 'running' && eta_s !== null ? `, ETA ${seconds(eta_s)}` : ''
  return `${run.status} ${size(done, unit)}${of}${rate}${eta}; ${countsLine(run)}`
}

/** A bar for a terminal: `[#######.....]  58%  120,000 rows/s  ETA 12s`. */
export function progressBar(run: RunView, width = 30): string {
  const { done, total, eta_s } = run.progress
  const fraction = total ? Math.min(1, done / total) : 0
  const filled = Math.round(fraction * width)
  const bar = total
    ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`
    : '[running]'
  const rate = run.rows_per_s === null ? '' : `  ${number.format(run.rows_per_s)} rows/s`
  return `${bar}${rate}  ETA ${seconds(eta_s)}  ${number.format(run.counts.read)} read, ${number.format(run.counts.rejected)} rejected`
}

export function runSummary(run: RunView): string {
  const lines = [
    `run       ${run.id}`,
    `pipeline  ${run.pipeline} (${run.trigger}${run.retry_of ? `, retry of ${run.retry_of}` : ''})`,
    `params    ${JSON.stringify(run.params)}`,
    `status    ${run.status}, attempt ${run.attempt} of ${run.max_attempts}${run.cancel_requested ? ', cancel requested' : ''}`,
    `progress  ${progressLine(run)}`,
    `duration  ${run.duration_ms === null ? '-' : `${(run.duration_ms / 1000).toFixed(1)} s`}`,
    `created   ${run.created_at}${run.finished_at ? `, finished ${run.finished_at}` : ''}`,
  ]
  if (run.error) lines.push(`error     ${run.error}`)
  return `${lines.join('\n')}\n`
}

export function runsTable(runs: readonly RunView[]): string {
  const rows = runs.map((run) => [
    run.id,
    run.pipeline,
    run.status,
    run.created_at.replace(/\.\d+Z$/, 'Z'),
    run.duration_ms === null ? '-' : `${(run.duration_ms / 1000).toFixed(1)}s`,
    number.format(run.counts.loaded),
    number.format(run.counts.rejected),
  ])
  const header = ['ID', 'PIPELINE', 'STATUS', 'CREATED', 'DURATION', 'LOADED', 'REJECTED']
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)))
  return `${[header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`
}
