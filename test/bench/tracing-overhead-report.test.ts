import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  pairedInterval,
  samplesOf,
  type TracingSample,
  tracingOverheadReport,
  verdict,
} from '../../bench/lib/tracing-overhead-report.ts'

/** Settings of a two-round run at 4,000/s, windows alternating. */
const TWO_ROUNDS = {
  rounds: 2,
  windowS: 20,
  rate: 4000,
  concurrent: false,
  conditions: 'test',
  exportedMb: 0,
}

const sample = (round: number, mode: string, ingestUs: number, accepted = 4000): TracingSample => ({
  round,
  mode,
  stored: accepted,
  accepted,
  p99: 50,
  ingestUs,
  saverUs: 20,
  load1: 1,
})

test('the tracing-overhead report pairs each mode with the off window of its round and marks a rate not held', () => {
  // Round 2 is slower for both modes alike: paired, 1 % costs +2.0 % and +1.7 % of off's CPU.
  const samples = [
    sample(1, 'off', 30),
    sample(1, '1 %', 31),
    sample(2, '1 %', 41),
    sample(2, 'off', 40, 3000),
  ]
  const report = tracingOverheadReport(samples, TWO_ROUNDS)
  assert.match(
    report,
    /\| 1 % \| 56\.0 \(51\.0–61\.0\) \| 36\.0 \| 20\.0 \| 4000 \| \+1\.8 % \(\+1\.7 % to \+2\.0 %\) \|/,
  )
  assert.match(report, /\| 2 \| off \| 3000 \| 3000 \(rate not held\) \|/)
  assert.match(report, /\| 1 \| off \| 4000 \| 4000 \| 50 \|/, 'a window that kept the rate is not marked')
  assert.match(report, /Noise floor: off's own CPU per measurement spans \+18\.2 %/)
  assert.match(
    report,
    /1 % against off, CPU per measurement paired per round \(1 of 2 rounds, those whose two windows held the rate\): fewer than 2 rounds, no interval\./,
    'round 2 is left out of the interval: its off window fell short of the rate',
  )
  const held = tracingOverheadReport([...samples, sample(3, 'off', 50), sample(3, '1 %', 51)], {
    rounds: 3,
    windowS: 20,
    rate: 4000,
    concurrent: true,
    restartEvery: 6,
    conditions: 'test',
    exportedMb: 0,
  })
  assert.match(report, /modes alternating window by window/)
  assert.match(
    held,
    /started again every 6 rounds with their start order rotated by one, open loop .*every mode loaded in the same windows, side by side/,
  )
  assert.match(report, /started once and kept running/)
  // Rounds 1 and 3: +2.0 % and +1.43 %; t(1) 12.71 × se 0.286 = half-width 3.63.
  assert.match(
    held,
    /\(2 of 3 rounds, those whose two windows held the rate\): mean \+1\.7 %, 95 % confidence interval -1\.9 % to \+5\.3 %: not resolved against 3 %/,
  )
  assert.match(
    held,
    /by restart block .*: \+1\.7 %\): fewer than 2 blocks, no interval\./,
    'one block of 6 rounds',
  )
  // Restarted every 2 rounds: block 1 is round 1 (+2.0 %; round 2 did not hold the rate), block 2 round 3 (+1.43 %).
  const blocks = tracingOverheadReport([...samples, sample(3, 'off', 50), sample(3, '1 %', 51)], {
    rounds: 3,
    windowS: 20,
    rate: 4000,
    concurrent: true,
    restartEvery: 2,
    conditions: 'test',
    exportedMb: 0,
  })
  assert.match(
    blocks,
    /1 % against off by restart block \(the mean paired difference of each block of 2 rounds between restarts: \+2\.0 %, \+1\.4 %\): mean \+1\.7 %, 95 % confidence interval -1\.9 % to \+5\.3 %: not resolved against 3 %/,
  )
  assert.doesNotMatch(report, /by restart block/, 'no blocks without restarts')
})

test('a paired interval decides against the bound only when it lies wholly on one side', () => {
  const below = pairedInterval([1.0, 1.2, 0.8, 1.1, 0.9])
  assert.ok(below)
  assert.equal(below.mean.toFixed(2), '1.00')
  // sd 0.158, t(4) 2.78: half-width 0.196.
  assert.equal(below.low.toFixed(2), '0.80')
  assert.equal(below.high.toFixed(2), '1.20')
  assert.match(verdict(below, 3), /^within 3 %/)
  assert.match(verdict(pairedInterval([5, 6, 5.5]), 3), /^above 3 %/)
  assert.match(verdict(pairedInterval([-10, 12, 4]), 3), /^not resolved/)
  assert.equal(pairedInterval([4]), undefined)
  assert.match(verdict(undefined, 3), /fewer than 2 rounds/)
})

test('a second off pipeline is paired with off like any mode, and labelled as the bench against itself', () => {
  const samples = [
    sample(1, 'off', 30),
    sample(1, 'off B', 30.6),
    sample(1, '1 %', 31),
    sample(2, 'off', 40),
    sample(2, 'off B', 40),
    sample(2, '1 %', 41),
  ]
  const report = tracingOverheadReport(samples, {
    rounds: 2,
    windowS: 20,
    rate: 4000,
    concurrent: true,
    conditions: 'test',
    exportedMb: 0,
  })
  // Round 1: 50.6 against 50 (+1.2 %), round 2: 60 against 60 (+0.0 %).
  assert.match(
    report,
    /off B against off \(two identical pipelines: the bench's own bias and noise\), CPU per measurement paired per round \(2 of 2 rounds.*\): mean \+0\.6 %/,
  )
  assert.doesNotMatch(
    report,
    /off B against off.*: (within|above|not resolved)/,
    'no verdict for the bench against itself',
  )
  assert.match(report, /1 % against off, CPU .*: mean \+1\.8 %.*not resolved against 3 %/)
  // Round 1: 51 against (50 + 50.6) / 2 (+1.39 %), round 2: 61 against 60 (+1.67 %).
  assert.match(report, /1 % against the mean of the 2 off pipelines of its round: mean \+1\.5 %/)
  assert.doesNotMatch(report, /off B against the mean/)
})

test('a report read back gives its windows, numbered on from the runs pooled before it', () => {
  const samples = [sample(1, 'off', 30), sample(1, '1 %', 31), sample(2, 'off', 40, 3000)]
  const report = tracingOverheadReport(samples, TWO_ROUNDS)
  const read = samplesOf(report, 45)
  assert.deepEqual(
    read.map((s) => [s.round, s.mode, s.accepted, s.ingestUs, s.saverUs]),
    [
      [46, 'off', 4000, 30, 20],
      [46, '1 %', 4000, 31, 20],
      [47, 'off', 3000, 40, 20],
    ],
  )
})
