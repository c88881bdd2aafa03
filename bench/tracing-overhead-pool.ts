/**
 * Pools the rounds of several `tracing-overhead-*.md` results into one report: each run's rounds
 * keep their own pairing (a mode against the off windows of the same round), numbered on from the
 * runs before, and the intervals are computed over all of them. Meant for runs of the same command
 * whose every round ran on fresh processes (`--restart-every 1`), where rounds are independent.
 *
 *   node bench/tracing-overhead-pool.ts --rate 6000 FILE.md... [--out FILE]
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { samplesOf, type TracingSample, tracingOverheadReport } from './lib/tracing-overhead-report.ts'

const { values, positionals: files } = parseArgs({
  allowPositionals: true,
  options: { rate: { type: 'string', default: '6000' }, out: { type: 'string' } },
})
if (files.length === 0) throw new Error('give one or more tracing-overhead-*.md files')

const samples: TracingSample[] = []
for (const file of files) {
  const firstRound = Math.max(0, ...samples.map((sample) => sample.round))
  const own = samplesOf(readFileSync(file, 'utf8'), firstRound)
  if (own.length === 0) throw new Error(`${file} has no table of windows`)
  samples.push(...own)
}
const rounds = new Set(samples.map((sample) => sample.round)).size
const report = tracingOverheadReport(samples, {
  rounds,
  windowS: 10,
  rate: Number(values.rate),
  concurrent: true,
  restartEvery: 1,
  conditions: `the rounds of ${files.map((file) => basename(file)).join(', ')}, pooled (rounds numbered on from one run to the next); see each run for its own conditions`,
})
if (values.out) writeFileSync(values.out, report)
console.log(report)
