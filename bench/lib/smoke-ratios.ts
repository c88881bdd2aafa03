/**
 * The ratios the CI bench smoke guards: figures divided by ceilings measured in the same run, so
 * a slower or busier machine moves both and the ratio stays. `bench/results/smoke-ratios.json`
 * holds the committed values; a quick run whose ratio falls more than `tolerance` below one fails.
 *
 *   node bench/lib/smoke-ratios.ts bench/results/bench-<start>.json   # the ratios of a run, to commit
 */
import { readFileSync } from 'node:fs'
import type { BenchReport } from './report.ts'

/** Figure id and the id of the ceiling figure it is divided by. */
export const GUARDED_RATIOS = [
  ['batched-100.e2e', 'ceiling.postgres-copy'],
  ['batched-100.accepted', 'ceiling.http-batch100'],
  ['single.e2e', 'ceiling.http-single'],
  ['embedded-batched-100.e2e', 'ceiling.http-batch100'],
] as const

export interface CommittedRatios {
  readonly note: string
  readonly ratios: Readonly<Record<string, number>>
}

export const ratioName = (figure: string, ceiling: string) => `${figure} / ${ceiling}`

/**
 * The guarded ratios of a report: the figure's median over the ceiling's (the report's own ratios
 * are rounded to two digits, too coarse for a 20 % band on 0.04). A ratio the run lacks is left out.
 */
export function guardedRatios(report: BenchReport): Record<string, number> {
  const medianOf = (id: string) => report.figures.find((figure) => figure.id === id)?.median ?? 0
  const ratios: Record<string, number> = {}
  for (const [id, ceiling] of GUARDED_RATIOS) {
    const [value, limit] = [medianOf(id), medianOf(ceiling)]
    if (value > 0 && limit > 0) ratios[ratioName(id, ceiling)] = Number((value / limit).toFixed(5))
  }
  return ratios
}

/** One line per committed ratio that is missing or more than `tolerance` (a share) below its value. */
export function ratioRegressions(
  measured: Readonly<Record<string, number>>,
  committed: Readonly<Record<string, number>>,
  tolerance: number,
): string[] {
  const problems: string[] = []
  for (const [name, expected] of Object.entries(committed)) {
    const value = measured[name]
    if (value === undefined) problems.push(`${name}: not measured`)
    else if (value < expected * (1 - tolerance))
      problems.push(
        `${name}: ${value.toFixed(4)} is ${Math.round((1 - value / expected) * 100)} % below the committed ${expected.toFixed(4)}`,
      )
  }
  return problems
}

if (import.meta.main) {
  const [path] = process.argv.slice(2)
  if (!path) throw new Error('usage: node bench/lib/smoke-ratios.ts <bench-report.json>')
  const report = JSON.parse(readFileSync(path, 'utf8')) as BenchReport
  process.stdout.write(`${JSON.stringify(guardedRatios(report), null, 2)}\n`)
}
