import type { RunView } from '../src/etl/run-repository.ts'
import { authHeaders } from './credentials.ts'

/** A CSV of `rows` good readings from 100 sensors (`<prefix>-N`), one a minute, from 2026-11-01. */
export function generatedCsv(rows: number, prefix = 'sensor'): string {
  const start = Date.parse('2026-11-01T00:00:00Z')
  const lines = ['sensor_id,temperature,timestamp']
  for (let i = 0; i < rows; i++)
    lines.push(
      `${prefix}-${i % 100},${(i % 400) / 10},${new Date(start + Math.floor(i / 100) * 60_000).toISOString()}`,
    )
  return `${lines.join('\n')}\n`
}

/**
 * `rows` good readings, then the first 1,000 of them again (duplicates) and 10 bad ones: an import
 * of it must store exactly `rows` rows, count `rows + 1000` valid and reject 10.
 */
export function csvWithRepeatsAndRejects(rows: number, prefix = 'sensor'): string {
  const good = generatedCsv(rows, prefix)
  const repeats = good.split('\n').slice(1, 1001).join('\n')
  const bad = Array.from({ length: 10 }, (_, i) => `bad-${i},hot,2026-11-01T00:00:00Z`).join('\n')
  return `${good}${repeats}\n${bad}\n`
}

/** One call of the ETL API at `base` with the harness's admin key; throws naming the call unless 2xx. */
export async function etlRequest<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...authHeaders(), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

/** Polls run `id` every 250 ms until `done` says so; throws with the last view after `timeoutMs`. */
export async function waitForRun(
  base: string,
  id: string,
  done: (run: RunView) => boolean,
  timeoutMs: number,
): Promise<RunView> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const run = await etlRequest<RunView>(base, 'GET', `/etl/runs/${id}`).catch(() => undefined)
    if (run && done(run)) return run
    if (Date.now() > deadline) throw new Error(`run ${id} after ${timeoutMs} ms: ${JSON.stringify(run)}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}
