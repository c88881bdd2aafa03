/**
 * The ratios the CI bench smoke guards: figures divided by ceilings measured in the same run, so
 * a slower or busier machine moves both and the ratio stays. `bench/results/smoke-ratios.json`
 * holds the committed values; a quick run whose ratio falls more than `tolerance` below one fails.
 *
 *   node bench/lib/smoke-ratios.ts bench/results/bench-<start>.json   # the ratios of a run, to commit
 */
import { readFileSync } from 'node:fs'
import type { BenchReport } from './report.ts'

/** Figure id and the label of the ceiling it is divided by. */
export const GUARDED_RATIOS = [
  ['batched-100.e2e', 'PostgreSQL COPY'],
  ['batched-100.accepted', 'Fastify trivial route, batch 100'],
  ['single.e2e', 'Fastify trivial route, single'],
  ['embedded-batched-100.e2e', 'Fastify trivial route, batch 100'],
] as const

export interface CommittedRatios {
  readonly note: string
  readonly ratios: Readonly<Record<string, number>>
}

export const ratioName = (figure: string, ceiling: string) => `${figure} / ${ceiling}`

/** The guarded ratios of a report (median over its runs); a ratio the run lacks is left out. */
export function guardedRatios(report: BenchReport): Record<string, number> {
  const ratios: Record<string, number> = {}
  for (const [id, ceiling] of GUARDED_RATIOS) {
    const ratio = report.figures.find((figure) => figure.id === id)?.ratios.find((r) => r.ceiling === ceiling)
    if (ratio && ratio.median > 0) ratios[ratioName(id, ceiling)] = ratio.median
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
