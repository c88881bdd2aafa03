import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Command } from 'commander'
import type { Config } from '../config/config.ts'
import type { Role } from '../config/settings.ts'
import { addSettings } from './options.ts'

type Loaded = (role: Role, flags: Record<string, unknown>) => Config

/** An answer of the admin API that was not a success: its code and message, for the person at the terminal. */
class ApiError extends Error {}

async function call(config: Config, method: string, path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (config.apiToken !== '') headers.authorization = `Bearer ${config.apiToken}`
  let response: Response
  try {
    response = await fetch(new URL(path, config.adminUrl), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (error) {
    throw new ApiError(`cannot reach the admin API at ${config.adminUrl}: ${(error as Error).message}`)
  }
  const answer = (await response.json().catch(() => ({}))) as { code?: string; message?: string }
  if (!response.ok)
    throw new ApiError(`${response.status} ${answer.code ?? ''}: ${answer.message ?? response.statusText}`)
  return answer
}

interface Letter {
  id: string
  status: string
  reason: string
  field: string | null
  failed_at: string
  source: { topic: string; partition: number; offset: string }
}

const line = (letter: Letter) =>
  [
    letter.id.padStart(6),
    letter.status.padEnd(9),
    letter.failed_at,
    `${letter.source.topic}/${letter.source.partition}/${letter.source.offset}`,
    letter.reason,
  ].join('  ')

const filterOptions = (command: Command) =>
  command
    .option('--reason <text>', 'part of the reason, any case')
    .option('--field <name>', 'the field at fault')
    .option('--source-topic <topic>', 'where the records came from')
    .option('--from <time>', 'failed at or after this ISO-8601 time')
    .option('--to <time>', 'failed before this ISO-8601 time')

function filterOf(flags: Record<string, unknown>) {
  const filter: Record<string, unknown> = {}
  for (const [flag, name] of [
    ['reason', 'reason'],
    ['field', 'field'],
    ['sourceTopic', 'source_topic'],
    ['from', 'from'],
    ['to', 'to'],
  ] as const)
    if (flags[flag] !== undefined) filter[name] = flags[flag]
  return filter
}

/** `--payload '{"…"}'` or `--payload @fixed.json`. */
async function payloadOf(text: string | undefined): Promise<unknown> {
  if (text === undefined) return undefined
  const raw = text.startsWith('@') ? await readFile(text.slice(1), 'utf8') : text
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

/**
 * `flowline dead-letters list|show|redrive|discard`: the admin API's dead-letter routes from a
 * terminal. Bulk redrive prints its progress until the job is done.
 */
export function addDeadLettersCommand(program: Command, load: Loaded): void {
  const group = program
    .command('dead-letters')
    .description('Browse, redrive and discard dead letters through the admin API (--admin-url)')
  const out = (text: string) => process.stdout.write(`${text}\n`)
  const run =
    (action: (config: Config, ...args: never[]) => Promise<unknown>) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command
      const config = load('dead-letters', command.optsWithGlobals())
      try {
        await action(config, ...(args.slice(0, -1) as never[]))
      } catch (error) {
        if (!(error instanceof ApiError)) throw error
        process.stderr.write(`flowline dead-letters: ${error.message}\n`)
        process.exitCode = 1
      }
    }

  filterOptions(addSettings(group.command('list').description('Dead letters, newest first'), 'dead-letters'))
    .option('--status <status>', 'new, redriven or discarded')
    .option('--limit <n>', 'how many')
    .option('--cursor <id>', 'next_cursor of the previous page')
    .option('--json', 'print the API answer as JSON')
    .action(
      run(async (config, flags: Record<string, unknown>) => {
        const query = new URLSearchParams(filterOf(flags) as Record<string, string>)
        if (flags.status) query.set('status', String(flags.status))
        if (flags.limit) query.set('limit', String(flags.limit))
        if (flags.cursor) query.set('cursor', String(flags.cursor))
        const page = (await call(config, 'GET', `/dead-letters?${query}`)) as {
          items: Letter[]
          next_cursor: string | null
        }
        if (flags.json) return out(JSON.stringify(page, null, 2))
        if (page.items.length === 0) out('no dead letters match')
        for (const letter of page.items) out(line(letter))
        if (page.next_cursor) out(`more: --cursor ${page.next_cursor}`)
      }),
    )

  addSettings(
    group.command('show').argument('<id>').description('One dead letter with its payload'),
    'dead-letters',
  ).action(
    run(async (config, id: string) =>
      out(JSON.stringify(await call(config, 'GET', `/dead-letters/${id}`), null, 2)),
    ),
  )

  filterOptions(
    addSettings(
      group
        .command('redrive')
        .argument('[id]', 'one dead letter; without it, every new one the filter options match')
        .description('Send dead letters back to their source topic (one, optionally corrected, or in bulk)'),
      'dead-letters',
    ),
  )
    .option('--payload <json>', 'the corrected record, or @file to read it from a file (one letter)')
    .option('--force', 'redrive a letter already redriven or discarded (one letter)')
    .option('--dry-run', 'bulk: count and list what would go, change nothing')
    .option('--limit <n>', 'bulk: most letters to redrive')
    .action(
      run(async (config, id: string | undefined, flags: Record<string, unknown>) => {
        if (id !== undefined) {
          const body = {
            payload: await payloadOf(flags.payload as string | undefined),
            force: flags.force === true,
          }
          return out(line((await call(config, 'POST', `/dead-letters/${id}/redrive`, body)) as Letter))
        }
        const body = {
          filter: filterOf(flags),
          dry_run: flags.dryRun === true,
          ...(flags.limit ? { limit: Number(flags.limit) } : {}),
        }
        const answer = (await call(config, 'POST', '/dead-letters/redrive', body)) as {
          id?: string
          matched: number
          items?: Letter[]
        }
        if (answer.id === undefined) {
          out(`dry run: ${answer.matched} new dead letters match; nothing was sent`)
          for (const letter of answer.items ?? []) out(line(letter))
          return
        }
        await followJob(config, answer.id, out)
      }),
    )

  addSettings(
    group.command('discard').argument('<id>').description('Mark a new dead letter discarded'),
    'dead-letters',
  ).action(
    run(async (config, id: string) =>
      out(line((await call(config, 'POST', `/dead-letters/${id}/discard`, {})) as Letter)),
    ),
  )
}

/** Stops following a job whose row has not moved for this long: the admin process running it may be gone. */
const STALLED_MS = 60_000

/** Prints a bulk redrive's progress once a second until it ends or stalls. */
async function followJob(config: Config, id: string, out: (text: string) => void): Promise<void> {
  for (;;) {
    const job = (await call(config, 'GET', `/dead-letters/redrives/${id}`)) as {
      state: string
      matched: number
      redriven: number
      skipped: number
      error: string | null
      updated_at: string
    }
    out(
      `bulk redrive ${id}: ${job.state}, ${job.redriven} redriven, ${job.skipped} skipped of ${job.matched}`,
    )
    if (job.state === 'failed') throw new ApiError(job.error ?? 'the bulk redrive failed')
    if (job.state !== 'running') return
    if (Date.now() - Date.parse(job.updated_at) > STALLED_MS)
      throw new ApiError(
        `bulk redrive ${id} made no progress for ${STALLED_MS / 1000} s: the admin process running it may have stopped; run the redrive again to go on`,
      )
    await sleep(1000)
  }
}
