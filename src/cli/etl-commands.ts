import type { Command } from 'commander'
import type { Config } from '../config/config.ts'
import type { Role } from '../config/settings.ts'
import type { RunView } from '../etl/run-repository.ts'
import { type EtlTarget, etlRequest, followRun } from './etl-client.ts'
import { addSettings } from './options.ts'
import { progressBar, progressLine, runSummary, runsTable } from './run-format.ts'

type LoadConfig = (role: Role, flags: Record<string, unknown>) => Config

/** `--param k=v`, repeatable. */
function collectParam(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf('=')
  if (at < 1) throw new Error(`--param ${value}: expected key=value`)
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) }
}

/**
 * Follows a run to its end: a live bar on a terminal, a plain line every 2 s otherwise. Exit
 * code 0 when it succeeded, 1 when it failed or was cancelled.
 */
async function follow(url: EtlTarget, id: string): Promise<void> {
  const tty = process.stderr.isTTY
  let last: RunView | undefined
  let printedAt = 0
  await followRun(
    url,
    id,
    (run) => {
      last = run
      if (tty) process.stderr.write(`\r\x1b[2K${progressBar(run)}`)
      else if (Date.now() - printedAt >= 2000 || run.status !== 'running') {
        process.stderr.write(`${progressLine(run)}\n`)
        printedAt = Date.now()
      }
    },
    (line) => {
      if (line.level !== 'info' || !tty)
        process.stderr.write(`${tty ? '\r\x1b[2K' : ''}${line.at} ${line.level} ${line.message}\n`)
    },
  )
  if (tty) process.stderr.write('\n')
  const final = await etlRequest<RunView>(url, 'GET', `/etl/runs/${id}`)
  process.stdout.write(runSummary(final))
  void last
  if (final.status !== 'succeeded') process.exitCode = 1
}

async function guard(action: () => Promise<void>): Promise<void> {
  try {
    await action()
  } catch (error) {
    process.stderr.write(`flowline etl: ${(error as Error).message}\n`)
    process.exitCode = 1
  }
}

/** `flowline etl worker|run|runs|show|logs|rejects|cancel|retry`. */
export function registerEtlCommands(
  program: Command,
  loadConfig: LoadConfig,
  serveWorker: (flags: Record<string, unknown>) => Promise<void>,
): void {
  const etl = program
    .command('etl')
    .description(
      'ETL pipelines: run workers, trigger runs and follow them (see `flowline etl <command> --help`)',
    )
  addSettings(
    etl
      .command('worker')
      .description('Takes ETL runs from the queue (any number share them) and serves the run API'),
    'etl',
  ).action((flags) => serveWorker(flags))

  const client = (name: string, description: string) =>
    addSettings(etl.command(name).description(description), 'etl-client')
  const url = (flags: Record<string, unknown>): EtlTarget => {
    const settings = loadConfig('etl-client', flags)
    return { url: settings.etlUrl, token: settings.apiToken }
  }

  client(
    'run',
    'Queues a run of a pipeline: flowline etl run import-measurements --param source=data.csv --follow',
  )
    .argument('<pipeline>')
    .option('--param <key=value>', 'a parameter of the pipeline (repeat for more)', collectParam, {})
    .option('--follow', 'show its progress until it ends (exit code 1 unless it succeeded)')
    .action((pipeline: string, flags) =>
      guard(async () => {
        const base = url(flags)
        const run = await etlRequest<RunView>(base, 'POST', '/etl/runs', {
          pipeline,
          params: flags.param,
          trigger: 'cli',
        })
        process.stdout.write(`${run.id}\n`)
        if (flags.follow) await follow(base, run.id)
      }),
    )
  client('runs', 'Lists runs, newest first')
    .option('--pipeline <name>')
    .option('--status <status>', 'queued, running, succeeded, failed or cancelled')
    .option('--from <time>', 'created at or after (ISO-8601)')
    .option('--to <time>', 'created before (ISO-8601)')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action((flags) =>
      guard(async () => {
        const query = new URLSearchParams()
        for (const key of ['pipeline', 'status', 'from', 'to', 'limit'])
          if (flags[key] !== undefined) query.set(key, String(flags[key]))
        const { items } = await etlRequest<{ items: RunView[] }>(url(flags), 'GET', `/etl/runs?${query}`)
        process.stdout.write(flags.json ? `${JSON.stringify(items, null, 2)}\n` : runsTable(items))
      }),
    )
  client('show', 'Shows a run: status, progress, counts, duration, error')
    .argument('<id>')
    .option('--json', 'print JSON')
    .option('--follow', 'follow it until it ends')
    .action((id: string, flags) =>
      guard(async () => {
        if (flags.follow) return follow(url(flags), id)
        const run = await etlRequest<RunView>(url(flags), 'GET', `/etl/runs/${id}`)
        process.stdout.write(flags.json ? `${JSON.stringify(run, null, 2)}\n` : runSummary(run))
      }),
    )
  client('logs', "Prints a run's log lines")
    .argument('<id>')
    .action((id: string, flags) =>
      guard(async () => {
        const { items } = await etlRequest<{ items: { at: string; level: string; message: string }[] }>(
          url(flags),
          'GET',
          `/etl/runs/${id}/logs`,
        )
        for (const line of items) process.stdout.write(`${line.at} ${line.level.padEnd(5)} ${line.message}\n`)
      }),
    )
  client('rejects', "Prints a run's rejected rows as CSV (line, reason, raw)")
    .argument('<id>')
    .action((id: string, flags) =>
      guard(async () => {
        process.stdout.write(await etlRequest<string>(url(flags), 'GET', `/etl/runs/${id}/rejects`))
      }),
    )
  client('cancel', 'Cancels a queued or running run (a running one stops within about a second)')
    .argument('<id>')
    .action((id: string, flags) =>
      guard(async () => {
        const run = await etlRequest<RunView>(url(flags), 'POST', `/etl/runs/${id}/cancel`)
        process.stdout.write(
          `${run.id} ${run.status}${run.cancel_requested && run.status === 'running' ? ' (cancel requested)' : ''}\n`,
        )
      }),
    )
  client('retry', 'Retries a failed or cancelled run, or with --failed every failed run that matches')
    .argument('[id]')
    .option('--failed', 'retry every failed run not retried yet (with --pipeline, --from, --to)')
    .option('--pipeline <name>')
    .option('--from <time>', 'runs created at or after (ISO-8601)')
    .option('--to <time>', 'runs created before (ISO-8601)')
    .action((id: string | undefined, flags) =>
      guard(async () => {
        if (id) {
          const run = await etlRequest<RunView>(url(flags), 'POST', `/etl/runs/${id}/retry`)
          process.stdout.write(`${run.id}\n`)
          return
        }
        if (!flags.failed) throw new Error('give a run id, or --failed')
        const { items } = await etlRequest<{ items: RunView[] }>(url(flags), 'POST', '/etl/runs/retry', {
          pipeline: flags.pipeline,
          from: flags.from,
          to: flags.to,
        })
        process.stdout.write(
          `retried ${items.length} run(s)\n${items.map((run) => `${run.id} retry of ${run.retry_of}`).join('\n')}\n`,
        )
      }),
    )
}
