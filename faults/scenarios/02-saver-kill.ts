import { metricSum, query, type RoleProcess } from '../../harness/index.ts'
import { LockGate } from '../lib/lock-gate.ts'
import type { Scenario } from '../lib/scenario.ts'
import { PARTITIONS, type ScenarioRun } from '../lib/scenario-run.ts'

interface WorstMomentKill {
  readonly saver: string
  readonly committedRows: number
  /** Of those rows, how many sit at offsets the group had committed anyway: never redelivered. */
  readonly offsetsCommitted: number
  readonly redeliveredAndSkipped: number | null
}

/**
 * Freezes whichever of `savers` reaches the gate first with its INSERT waiting, lets PostgreSQL
 * commit that INSERT, then SIGKILLs the frozen process: its rows are durable, its offsets are not.
 * Returns the killed saver, how many rows were stored from the gate's opening until the killed
 * process's last statement ended (its batch, and its other consumer's if that one was held at the
 * gate too; in phase B the other saver's rows as well), and the id mark they follow; or null if
 * no batch came.
 */
async function killAfterDatabaseCommit(
  run: ScenarioRun,
  savers: readonly RoleProcess[],
): Promise<{ saver: RoleProcess; committedRows: number; mark: string } | null> {
  const gate = await LockGate.close(run.databaseUrl, 'saverInsert')
  try {
    const blocked = await gate.waitForBlocked(
      savers.map((saver) => saver.label),
      15_000,
    )
    const saver = savers.find((candidate) => candidate.label === blocked?.application)
    if (!blocked || !saver) return null
    const mark = await gate.measurementIdMark()
    saver.pause()
    await gate.open()
    if (!(await gate.waitIdle(blocked.pid, 10_000)))
      throw new Error(`backend ${blocked.pid} did not finish its INSERT`)
    await saver.kill()
    if (!(await gate.waitGone(saver.label, 10_000)))
      throw new Error(`the PostgreSQL sessions of the killed ${saver.label} did not end`)
    const committedRows = await gate.measurementRowsAfter(mark)
    run.event(
      'fault',
      `${saver.label} SIGKILLed after its batch committed in PostgreSQL (${committedRows} rows; other savers may add to it) and before its Kafka offset commit`,
    )
    return { saver, committedRows, mark }
  } finally {
    await gate.end()
  }
}

/**
 * Waits until the restarted saver's group has committed past `endsAtKill` (the log end offsets
 * when the saver was killed, so past its lost batch), then returns how many duplicates the new
 * process skipped, or null if it did not get there within 180 s. Waiting for the commit rather
 * than for a count tells a slow comeback (a loaded machine, a rejoin) from a batch that never
 * came back: only the latter is a fault.
 */
async function redeliveredAndSkipped(
  run: ScenarioRun,
  saver: RoleProcess,
  endsAtKill: readonly bigint[],
): Promise<{ skipped: number; seconds: number } | null> {
  const startedAt = performance.now()
  for (let waited = 0; waited < 360; waited++) {
    const committed = await run.probe.committedOffsets(run.topic, run.group, PARTITIONS).catch(() => null)
    if (committed?.every((offset, partition) => offset >= (endsAtKill[partition] ?? 0n))) {
      const skipped = metricSum(await saver.metrics(), 'flowline_duplicates_skipped_total')
      return { skipped, seconds: (performance.now() - startedAt) / 1000 }
    }
    await run.sleep(500)
  }
  return null
}

/**
 * Rows stored after `mark` whose records the group had committed (`committed`: its offset per
 * partition), so that no consumer reads them again; a row without its log position counts too,
 * as its redelivery cannot be shown. Zero when the killed saver committed no offset after its
 * PostgreSQL commit, which is what the worst moment means.
 */
async function rowsAtCommittedOffsets(run: ScenarioRun, mark: string, committed: readonly bigint[]) {
  const rows = await query<{ n: string }>(
    run.databaseUrl,
    `SELECT count(*) AS n FROM measurements
     WHERE id > $1::bigint AND (log_offset IS NULL OR log_offset < ($2::int8[])[log_partition + 1])`,
    [mark, committed.map(String)],
  )
  return Number(rows[0]?.n ?? 0)
}

/**
 * Phase A: one saver, killed at the worst moment (after its PostgreSQL commit, before its Kafka
 * offset commit) and restarted; the restarted saver must meet that batch again and skip it.
 * Phase B: two savers in one group, SIGKILLed in a loop at random moments, now and then at the
 * worst moment, and restarted: rebalances on top of crashes.
 */
export const saverKill: Scenario = {
  id: 2,
  slug: 'saver-kill',
  title: 'Saver killed in a loop, including after the DB commit and before the offset commit',
  promises: ['P1', 'P2', 'P6'],
  async run(run) {
    const ingest = await run.startRole('ingest', 'ingest')
    const a = await run.startRole('saver', 'saver-a')
    run.sampleLag()
    run.startLoad(ingest.url)
    await run.sleep(3000)
    const kills: WorstMomentKill[] = []
    for (let round = 0; round < (run.short ? 2 : 4); round++) {
      const killed = await killAfterDatabaseCommit(run, [a])
      if (!killed) {
        run.event('no batch reached the gate within 15 s')
        continue
      }
      const endsAtKill = await run.probe.endOffsets(run.topic, PARTITIONS)
      await run.sleep(500)
      // Read once anything the dead process had sent has landed, before a new one commits.
      const committedAtKill = await run.probe.committedOffsets(run.topic, run.group, PARTITIONS)
      const offsetsCommitted = await rowsAtCommittedOffsets(run, killed.mark, committedAtKill)
      await a.start()
      run.event('saver-a restarted', `pid ${a.pid}`)
      const redelivery = await redeliveredAndSkipped(run, a, endsAtKill)
      kills.push({
        saver: a.label,
        committedRows: killed.committedRows,
        offsetsCommitted,
        redeliveredAndSkipped: redelivery?.skipped ?? null,
      })
      run.event(
        'redelivery',
        redelivery === null
          ? 'restarted saver-a did not commit past the kill point within 180 s'
          : `restarted saver-a committed past the kill point ${redelivery.seconds.toFixed(1)} s after it was ready, skipping ${redelivery.skipped} duplicates (at least ${killed.committedRows} expected)`,
      )
    }
    run.metrics.worstMomentKills = kills
    // Every row the frozen batch committed is at an uncommitted offset, so it is read again, found
    // stored and counted as a skipped duplicate (one per record, before that batch's offsets are
    // committed): skipped >= committed rows. More is fine: batches before it may be uncommitted too.
    run.check(
      'worst-moment kills landed and their batches came back',
      kills.length > 0 &&
        kills.every(
          (kill) =>
            kill.committedRows > 0 &&
            kill.offsetsCommitted === 0 &&
            kill.redeliveredAndSkipped !== null &&
            kill.redeliveredAndSkipped >= kill.committedRows,
        ),
      kills
        .map(
          (kill) =>
            `${kill.committedRows} rows committed before the kill${kill.offsetsCommitted > 0 ? ` (${kill.offsetsCommitted} of them at offsets committed anyway: the frozen saver ran before it died)` : ''}, ${kill.redeliveredAndSkipped ?? 'no comeback within 180 s, so none'} skipped on redelivery`,
        )
        .join('; '),
    )

    const b = await run.startRole('saver', 'saver-b')
    const savers = [a, b]
    const randomKills = run.short ? 1 : 8
    let worst = 0
    for (let kill = 1; kill <= randomKills; kill++) {
      await run.sleep(1000 + Math.random() * 3000)
      if (kill % 3 === 0) {
        const killed = await killAfterDatabaseCommit(run, savers)
        if (killed) {
          worst += 1
          await run.sleep(500)
          await killed.saver.start()
          run.event(`${killed.saver.label} restarted`, `pid ${killed.saver.pid}`)
          continue
        }
      }
      const victim = savers[Math.floor(Math.random() * savers.length)] as RoleProcess
      await victim.kill()
      run.event('fault', `${victim.label} SIGKILLed at a random moment`)
      await run.sleep(300 + Math.random() * 1200)
      await victim.start()
      run.event(`${victim.label} restarted`, `pid ${victim.pid}`)
    }
    run.metrics.randomKills = randomKills - worst
    run.metrics.worstMomentKillsWithTwoSavers = worst
    run.heal('both savers stay up')
    await run.sleep(run.short ? 3000 : 10_000)
  },
}
