import { authHeaders, type RoleProcess } from '../../harness/index.ts'
import { checkAlive } from '../lib/outage.ts'
import type { Scenario } from '../lib/scenario.ts'

/** Polls the admin API every 2 s during the outage and tallies its answers. */
function probeAdmin(admin: RoleProcess): () => Record<string, number> {
  const answers: Record<string, number> = {}
  const timer = setInterval(async () => {
    let status = 'no answer'
    try {
      const response = await fetch(`${admin.url}/measurements?limit=1`, {
        headers: authHeaders(),
        signal: AbortSignal.timeout(5000),
      })
      status = String(response.status)
      await response.arrayBuffer()
    } catch {
      // counted as no answer
    }
    answers[status] = (answers[status] ?? 0) + 1
  }, 2000)
  return () => {
    clearInterval(timer)
    return answers
  }
}

/**
 * PostgreSQL is stopped with `pg_ctl -m immediate` (no checkpoint: crash recovery on restart)
 * for 60 s. Ingest does not depend on it and must keep answering 202; the saver must hold its
 * batch, let the lag grow, and drain it after the restart without losing or doubling a row.
 */
export const postgresDown: Scenario = {
  id: 6,
  slug: 'postgres-down',
  title: 'PostgreSQL stopped (pg_ctl -m immediate) for 60 s, then restarted',
  promises: ['P1', 'P2', 'P5'],
  async run(run) {
    const ingest = await run.startRole('ingest', 'ingest')
    const saver = await run.startRole('saver', 'saver')
    const admin = await run.startRole('admin', 'admin')
    run.sampleLag(1000)
    run.startLoad(ingest.url)
    await run.sleep(5000)
    await run.services.postgres.stopImmediate()
    const downFrom = Date.now()
    const downFromS = run.elapsedS()
    run.event('fault', 'PostgreSQL stopped with pg_ctl -m immediate')
    const stopProbe = probeAdmin(admin)
    await run.sleep(run.short ? 10_000 : 60_000)
    const adminAnswers = stopProbe()
    const downUntil = Date.now()
    const downUntilS = run.elapsedS()
    run.event('healing', 'starting PostgreSQL (services.sh pg-start)')
    await run.services.postgres.start()
    run.heal('PostgreSQL started again (crash recovery)')
    await run.sleep(run.short ? 5000 : 15_000)

    const inside = run.history.within(downFrom, downUntil)
    const refused = inside.filter(
      (record) => record.status !== 202 && !(record.invalid && record.status === 400),
    )
    run.check(
      'ingest keeps accepting while PostgreSQL is down',
      inside.length > 0 && refused.length === 0,
      `${inside.length} requests inside the outage: ${Object.entries(run.history.statusHistogram(inside))
        .map(([status, n]) => `${status} ×${n}`)
        .join(', ')}`,
    )
    const during = run.lagSeries.filter(([at, lag]) => at >= downFromS && at <= downUntilS && lag !== null)
    const maxLag = Math.max(0, ...during.map(([, lag]) => lag ?? 0))
    run.metrics.maxLagDuringOutage = maxLag
    run.check('consumer lag grows during the outage', maxLag > 0, `max lag ${maxLag} records`)
    checkAlive(run, [ingest, saver, admin])
    run.metrics.adminAnswersDuringOutage = adminAnswers
    const adminStatuses = Object.keys(adminAnswers)
    run.check(
      'admin answers 503 (not 500) while PostgreSQL is down',
      adminStatuses.every((status) => status === '503'),
      `GET /measurements answers: ${Object.entries(adminAnswers)
        .map(([status, n]) => `${status} ×${n}`)
        .join(', ')}`,
      true,
    )
  },
}
