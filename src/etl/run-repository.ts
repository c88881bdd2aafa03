import { type Kysely, sql } from 'kysely'
import type { Schema } from '../storage/schema.ts'
import type { RunCounts } from './pipeline.ts'

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]
export const FINISHED: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled']

/** A run as the API, the CLI and the SSE stream show it. */
export interface RunView {
  id: string
  pipeline: string
  params: Record<string, unknown>
  status: RunStatus
  trigger: string
  retry_of: string | null
  attempt: number
  max_attempts: number
  progress: { done: number; total: number | null; unit: string; rate: number | null; eta_s: number | null }
  counts: RunCounts
  /** Rows read per second over the current attempt. */
  rows_per_s: number | null
  duration_ms: number | null
  error: string | null
  worker: string | null
  cancel_requested: boolean
  created_at: string
  started_at: string | null
  finished_at: string | null
}

export interface RunFilter {
  pipeline?: string
  status?: RunStatus
  from?: Date
  to?: Date
  limit: number
}

export interface NewRun {
  id: string
  pipeline: string
  params: Record<string, unknown>
  trigger: string
  retryOf?: string
  maxAttempts: number
  progressUnit: string
}

interface RunRow {
  id: string
  pipeline: string
  params: Record<string, unknown>
  status: RunStatus
  trigger: string
  retry_of: string | null
  attempt: number
  max_attempts: number
  progress_done: string | number
  progress_total: string | number | null
  progress_unit: string
  rows_read: string | number
  rows_valid: string | number
  rows_rejected: string | number
  rows_loaded: string | number
  rows_duplicates: string | number
  error: string | null
  worker: string | null
  cancel_requested: boolean
  created_at: Date
  started_at: Date | null
  heartbeat_at: Date | null
  finished_at: Date | null
}

/** The `etl_runs`, `etl_run_logs` and `etl_rejects` tables. */
export class RunRepository {
  readonly #db: Kysely<Schema>

  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  async create(run: NewRun): Promise<void> {
    await sql`
      INSERT INTO etl_runs (id, pipeline, params, status, trigger, retry_of, max_attempts, progress_unit)
      VALUES (${run.id}, ${run.pipeline}, ${JSON.stringify(run.params)}::jsonb, 'queued', ${run.trigger},
              ${run.retryOf ?? null}, ${run.maxAttempts}, ${run.progressUnit})
      ON CONFLICT (id) DO NOTHING`.execute(this.#db)
  }

  /**
   * Marks an attempt as started, from zero: counts, progress and the rejects of an earlier
   * attempt are cleared, since the attempt reads its input again. Returns false when the run was
   * cancelled meanwhile (or is unknown).
   */
  async start(id: string, attempt: number, worker: string): Promise<boolean> {
    await sql`DELETE FROM etl_rejects WHERE run_id = ${id}`.execute(this.#db)
    const { rows } = await sql<{ id: string }>`
      UPDATE etl_runs SET status = 'running', attempt = ${attempt}, worker = ${worker}, error = NULL,
        progress_done = 0, progress_total = NULL, rows_read = 0, rows_valid = 0, rows_rejected = 0,
        rows_loaded = 0, rows_duplicates = 0, started_at = now(), heartbeat_at = now(), finished_at = NULL
      WHERE id = ${id} AND NOT cancel_requested AND status IN ('queued', 'running')
      RETURNING id`.execute(this.#db)
    return rows.length === 1
  }

  /**
   * Writes progress and counts of an attempt; returns whether it should stop: a cancel was asked
   * for, or the run has moved on to another attempt (this worker lost its claim).
   */
  async heartbeat(
    id: string,
    attempt: number,
    counts: RunCounts,
    done: number,
    total: number | undefined,
  ): Promise<boolean> {
    const { rows } = await sql<{ cancel_requested: boolean }>`
      UPDATE etl_runs SET heartbeat_at = now(), progress_done = ${done}, progress_total = ${total ?? null},
        rows_read = ${counts.read}, rows_valid = ${counts.valid}, rows_rejected = ${counts.rejected},
        rows_loaded = ${counts.loaded}, rows_duplicates = ${counts.duplicates}
      WHERE id = ${id} AND attempt = ${attempt} AND status = 'running'
      RETURNING cancel_requested`.execute(this.#db)
    return rows[0]?.cancel_requested ?? true
  }

  /**
   * Ends a run; a run already finished keeps its outcome. With `attempt`, only if that attempt
   * is still the run's current one (a worker that lost its claim must not end its successor's).
   */
  async finish(id: string, status: RunStatus, error?: string, attempt?: number): Promise<void> {
    await sql`
      UPDATE etl_runs SET status = ${status}, error = ${error ?? null}, finished_at = now(), heartbeat_at = now()
      WHERE id = ${id} AND status NOT IN ('succeeded', 'failed', 'cancelled')
        AND (${attempt ?? null}::int IS NULL OR attempt = ${attempt ?? null})`.execute(this.#db)
  }

  /** An attempt failed and pg-boss will retry: the run waits queued, with the reason in `error`. */
  async requeue(id: string, error: string, attempt?: number): Promise<void> {
    await sql`
      UPDATE etl_runs SET status = 'queued', error = ${error}
      WHERE id = ${id} AND status = 'running'
        AND (${attempt ?? null}::int IS NULL OR attempt = ${attempt ?? null})`.execute(this.#db)
  }

  /** Asks a run to stop; returns its status then, or undefined when there is no such run. */
  async requestCancel(id: string): Promise<RunStatus | undefined> {
    const { rows } = await sql<{ status: RunStatus }>`
      UPDATE etl_runs SET cancel_requested = true WHERE id = ${id} RETURNING status`.execute(this.#db)
    return rows[0]?.status
  }

  async cancelRequested(id: string): Promise<boolean> {
    const { rows } = await sql<{ cancel_requested: boolean }>`
      SELECT cancel_requested FROM etl_runs WHERE id = ${id}`.execute(this.#db)
    return rows[0]?.cancel_requested ?? false
  }

  async get(id: string): Promise<RunView | undefined> {
    const { rows } = await sql<RunRow>`SELECT * FROM etl_runs WHERE id = ${id}`.execute(this.#db)
    return rows[0] && toView(rows[0])
  }

  async list(filter: RunFilter): Promise<RunView[]> {
    const { rows } = await sql<RunRow>`
      SELECT * FROM etl_runs
      WHERE (${filter.pipeline ?? null}::text IS NULL OR pipeline = ${filter.pipeline ?? null})
        AND (${filter.status ?? null}::text IS NULL OR status = ${filter.status ?? null})
        AND (${filter.from ?? null}::timestamptz IS NULL OR created_at >= ${filter.from ?? null})
        AND (${filter.to ?? null}::timestamptz IS NULL OR created_at < ${filter.to ?? null})
      ORDER BY created_at DESC, id LIMIT ${filter.limit}`.execute(this.#db)
    return rows.map(toView)
  }

  async retriesOf(id: string): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM etl_runs WHERE retry_of = ${id}`.execute(this.#db)
    return rows[0]?.n ?? 0
  }

  /** Runs marked running whose worker has not written for `staleSeconds`. */
  async stale(staleSeconds: number): Promise<{ id: string; pipeline: string }[]> {
    const { rows } = await sql<{ id: string; pipeline: string }>`
      SELECT id, pipeline FROM etl_runs
      WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => ${staleSeconds})`.execute(
      this.#db,
    )
    return rows
  }

  async appendLogs(
    lines: readonly { runId: string; level: string; message: string; at: Date }[],
  ): Promise<void> {
    if (lines.length === 0) return
    await sql`
      INSERT INTO etl_run_logs (run_id, level, message, at)
      SELECT * FROM unnest(${lines.map((l) => l.runId)}::uuid[], ${lines.map((l) => l.level)}::text[],
                           ${lines.map((l) => l.message)}::text[], ${lines.map((l) => l.at.toISOString())}::timestamptz[])`.execute(
      this.#db,
    )
  }

  async logs(id: string, afterId = 0): Promise<{ id: number; at: string; level: string; message: string }[]> {
    const { rows } = await sql<{ id: string | number; at: Date; level: string; message: string }>`
      SELECT id, at, level, message FROM etl_run_logs WHERE run_id = ${id} AND id > ${afterId}
      ORDER BY id LIMIT 10000`.execute(this.#db)
    return rows.map((row) => ({
      id: Number(row.id),
      at: row.at.toISOString(),
      level: row.level,
      message: row.message,
    }))
  }

  async insertRejects(
    runId: string,
    rejects: readonly { line: number; reason: string; raw: string }[],
  ): Promise<void> {
    if (rejects.length === 0) return
    await sql`
      INSERT INTO etl_rejects (run_id, line, reason, raw)
      SELECT ${runId}::uuid, * FROM unnest(${rejects.map((r) => r.line)}::bigint[],
        ${rejects.map((r) => r.reason)}::text[], ${rejects.map((r) => r.raw)}::text[])
      ON CONFLICT DO NOTHING`.execute(this.#db)
  }

  /** One page of rejects in line order, after `afterLine`. */
  async rejects(
    runId: string,
    afterLine: number,
    limit: number,
  ): Promise<{ line: number; reason: string; raw: string }[]> {
    const { rows } = await sql<{ line: string | number; reason: string; raw: string }>`
      SELECT line, reason, raw FROM etl_rejects WHERE run_id = ${runId} AND line > ${afterLine}
      ORDER BY line LIMIT ${limit}`.execute(this.#db)
    return rows.map((row) => ({ line: Number(row.line), reason: row.reason, raw: row.raw }))
  }
}

function toView(row: RunRow): RunView {
  const done = Number(row.progress_done)
  const total = row.progress_total === null ? null : Number(row.progress_total)
  const end = row.finished_at ?? row.heartbeat_at
  const elapsedS = row.started_at && end ? (end.getTime() - row.started_at.getTime()) / 1000 : 0
  const rate = elapsedS > 0 ? done / elapsedS : null
  const running = row.status === 'running'
  return {
    id: row.id,
    pipeline: row.pipeline,
    params: row.params,
    status: row.status,
    trigger: row.trigger,
    retry_of: row.retry_of,
    attempt: row.attempt,
    max_attempts: row.max_attempts,
    progress: {
      done,
      total,
      unit: row.progress_unit,
      rate: rate === null ? null : Math.round(rate),
      eta_s: running && rate && total !== null ? Math.max(0, Math.round((total - done) / rate)) : null,
    },
    counts: {
      read: Number(row.rows_read),
      valid: Number(row.rows_valid),
      rejected: Number(row.rows_rejected),
      loaded: Number(row.rows_loaded),
      duplicates: Number(row.rows_duplicates),
    },
    rows_per_s: elapsedS > 0 ? Math.round(Number(row.rows_read) / elapsedS) : null,
    duration_ms: row.started_at && end ? end.getTime() - row.started_at.getTime() : null,
    error: row.error,
    worker: row.worker,
    cancel_requested: row.cancel_requested,
    created_at: row.created_at.toISOString(),
    started_at: row.started_at?.toISOString() ?? null,
    finished_at: row.finished_at?.toISOString() ?? null,
  }
}
