/**
 * The ratios the CI bench smoke guards: figures divided by ceilings measured in the same run, so
 * a slower or busier machine moves both and the ratio stays. `bench/results/smoke-ratios.json`
 * holds the committed values; a quick run whose ratio falls more than `tolerance` below one fails.
 *
 *   node bench/lib/smoke-ratios.ts bench/results/bench-<start>.json   # the ratios of a run, to commit
 */
import { readFileSync } from 'node:fs'
import type { OnlyPart } from './options.ts'
import type { BenchReport } from './report.ts'

/**
 * Figure id, the id of the ceiling figure it is divided by, and the `--only` part whose scenario
 * measures the figure. A ceiling's figure id is also the `--only` part that measures that ceiling.
 */
export const GUARDED_RATIOS = [
  ['batched-100.e2e', 'ceiling.postgres-copy', 'batched'],
  ['batched-100.accepted', 'ceiling.http-batch100', 'batched'],
  ['single.e2e', 'ceiling.http-single', 'single'],
  ['embedded-batched-100.e2e', 'ceiling.http-batch100', 'embedded'],
] as const satisfies readonly (readonly [string, OnlyPart, OnlyPart])[]

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

/** The ratio a line of `ratioRegressions` is about. */
export const regressedRatio = (line: string) => line.split(': ')[0] ?? line

/**
 * The `--only` parts that measure the ratios of these `ratioRegressions` lines again: the ceiling
 * each divides by and the scenario of its figure, nothing else (a second run of every ceiling
 * costs CI time for figures no low ratio needs). Ceilings come first, in the order of the lines.
 */
export function remeasureParts(regressionLines: readonly string[]): OnlyPart[] {
  const ceilings = new Set<OnlyPart>()
  const scenarios = new Set<OnlyPart>()
  for (const line of regressionLines) {
    const guarded = GUARDED_RATIOS.find(([id, ceiling]) => ratioName(id, ceiling) === regressedRatio(line))
    if (!guarded) throw new Error(`no bench part known for the ratio "${line}"`)
    ceilings.add(guarded[1])
    scenarios.add(guarded[2])
  }
  return [...ceilings, ...scenarios]
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
