import type { RoleProcess } from '../../harness/index.ts'
import { type GatePointName, LockGate } from './lock-gate.ts'
import type { ScenarioRun } from './scenario-run.ts'

export interface ZombieFreeze {
  /** Group members seen after the victim had been frozen for 15 s (null if never probed). */
  readonly membersDuring: number | null
}

/**
 * Makes `victim` a zombie: it is frozen (SIGSTOP) with a batch in hand — its statement held at
 * the gate and canceled under it, so that on waking it retries the same batch — and kept frozen
 * past its session timeout so the coordinator expels it and another member takes its partitions.
 * Then it is resumed, with its stale batch still to write.
 */
export async function freezeAsZombie(
  run: ScenarioRun,
  options: { victim: RoleProcess; gatePoint: GatePointName; group: string; blockedTimeoutMs: number },
): Promise<ZombieFreeze> {
  const { victim } = options
  const gate = await LockGate.close(run.databaseUrl, options.gatePoint)
  try {
    const blocked = await gate.waitForBlocked([victim.label], options.blockedTimeoutMs)
    if (!blocked) throw new Error(`${victim.label} never reached the gate with a batch`)
    victim.pause()
    await gate.cancel(blocked.pid)
    run.event(
      'fault',
      `${victim.label} SIGSTOPped with a batch in hand (its statement canceled under it: it retries on waking)`,
    )
  } finally {
    await gate.end()
  }
  const pausedS = run.short ? 20 : 30
  let membersDuring: number | null = null
  for (let waited = 0; waited < pausedS; waited++) {
    await run.sleep(1000)
    if (waited >= 15) membersDuring ??= await run.probe.groupMembers(options.group)
  }
  victim.resume()
  run.event(
    `${victim.label} SIGCONTinued`,
    `${pausedS} s after it froze; group had ${membersDuring ?? '?'} member(s) meanwhile`,
  )
  return { membersDuring }
}
