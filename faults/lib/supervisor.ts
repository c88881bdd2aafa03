import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import type { RoleProcess } from '../../harness/index.ts'
import type { ScenarioRun } from './scenario-run.ts'

export interface SelfExit {
  readonly label: string
  readonly atS: number
  readonly code: number | null
  readonly reason: string
}

/** The message of the last fatal or error line of a role's log, for the report. */
function lastFatal(logPath: string | undefined): string {
  if (!logPath) return 'no log file'
  try {
    for (const line of readFileSync(logPath, 'utf8').split('\n').reverse()) {
      if (!line.startsWith('{"level":60') && !line.startsWith('{"level":50')) continue
      const parsed = JSON.parse(line) as { msg?: string; err?: { message?: string } }
      return `${parsed.msg ?? ''}${parsed.err?.message ? ` (${parsed.err.message})` : ''}`.slice(0, 300)
    }
  } catch {
    // no log yet
  }
  return 'no fatal line in its log'
}

/**
 * Plays `restart: on-failure` (docker-compose) for a role that exited without being asked to:
 * records the exit with the reason its log gives, then starts it again (bounded tries).
 */
export async function supervise(
  run: ScenarioRun,
  process: RoleProcess,
  code: number | null,
  signal: NodeJS.Signals | null,
): Promise<void> {
  const reason = lastFatal(process.logPath)
  run.selfExits.push({ label: process.label, atS: run.elapsedS(), code, reason })
  run.event('self-exit', `${process.label} exited on its own (code ${code ?? signal}): ${reason}`)
  for (let attempt = 1; attempt <= 30 && run.selfExits.length <= 50; attempt++) {
    await sleep(1000)
    if (process.running || process.onUnexpectedExit === undefined) return
    try {
      await process.start()
      run.event(
        `${process.label} restarted by the harness supervisor`,
        `pid ${process.pid}, attempt ${attempt}`,
      )
      return
    } catch (error) {
      run.log(`supervisor: ${process.label} did not start (${(error as Error).message.split('\n')[0]})`)
    }
  }
}
