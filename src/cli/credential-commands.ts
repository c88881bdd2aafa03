import type { Command } from 'commander'
import { CredentialsRepository, type TokenSpec } from '../auth/credentials-repository.ts'
import { generatePassword, hashPassword } from '../auth/passwords.ts'
import { tokenInfo } from '../auth/token-routes.ts'
import { deviceScopeProblem, INGEST_STREAMS } from '../auth/token-scope.ts'
import type { Config } from '../config/config.ts'
import { createLogger } from '../observability/logger.ts'
import { createMetrics } from '../observability/metrics.ts'
import { createStorage } from '../runtime/composition.ts'
import type { UserRole } from '../storage/schema.ts'
import { addSettings } from './options.ts'

type LoadSettings = (flags: Record<string, unknown>) => Config

const ROLES: readonly UserRole[] = ['admin', 'operator', 'viewer']

/** Opens the database (migrated), runs `work`, closes; a failure is one line on stderr and exit code 1. */
async function withCredentials(
  command: string,
  settings: Config,
  work: (credentials: CredentialsRepository) => Promise<void>,
): Promise<void> {
  const storage = await createStorage(settings, createLogger('silent', command), createMetrics())
  try {
    await storage.migrate()
    await work(new CredentialsRepository(storage.db))
  } catch (error) {
    process.stderr.write(`flowline ${command}: ${(error as Error).message}\n`)
    process.exitCode = 1
  } finally {
    await storage.close()
  }
}

function role(value: string): UserRole {
  if (!ROLES.includes(value as UserRole))
    throw new Error(`--role ${value}: expected one of ${ROLES.join(', ')}`)
  return value as UserRole
}

/** Reads a password from stdin (one line), for `--password-stdin`; never from a flag, which `ps` shows. */
async function passwordFromStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

/**
 * `flowline users create|list` and `flowline tokens create|list|revoke|rotate`: the database
 * side of accounts and tokens, for the first admin and for scripts. Each takes the database
 * settings of `flowline migrate` (and `--embedded`).
 */
export function addCredentialCommands(program: Command, load: LoadSettings): void {
  const users = program.command('users').description('Console accounts (admin, operator, viewer)')
  addSettings(
    users
      .command('create')
      .description('Creates an account; prints a generated password unless --password-stdin')
      .requiredOption('--username <name>', 'the account name')
      .option('--role <role>', 'admin, operator or viewer', 'viewer')
      .option('--password-stdin', 'read the password (at least 12 characters) from stdin'),
    'migrate',
  ).action(async (flags) => {
    await withCredentials('users create', load(flags), async (credentials) => {
      const given = flags.passwordStdin ? await passwordFromStdin() : undefined
      if (given !== undefined && given.length < 12)
        throw new Error('the password needs at least 12 characters')
      const password = given ?? generatePassword()
      const created = await credentials.createUser(
        flags.username,
        role(flags.role),
        await hashPassword(password),
        'cli',
      )
      if (!created) throw new Error(`user ${flags.username} exists`)
      process.stdout.write(
        given === undefined
          ? `created ${flags.role} ${flags.username}, password (shown once): ${password}\n`
          : `created ${flags.role} ${flags.username}\n`,
      )
    })
  })
  addSettings(users.command('list').description('Lists the accounts'), 'migrate').action(async (flags) => {
    await withCredentials('users list', load(flags), async (credentials) => {
      for (const user of await credentials.listUsers())
        process.stdout.write(`${user.username}\t${user.role}${user.disabled ? '\tdisabled' : ''}\n`)
    })
  })

  const tokens = program.command('tokens').description('Device tokens (flt_) and machine API keys (fla_)')
  addSettings(
    tokens
      .command('create')
      .description(
        'Creates a device token (--scope-streams; for measurements --sensor-ids or --tag) or an API key (--role); prints it once',
      )
      .requiredOption('--name <name>', 'what the token is for')
      .option('--sensor-ids <ids>', 'device token: the comma-separated sensors it may write')
      .option('--tag <tag>', 'device token: it may write the sensors with this tag in the registry')
      .option(
        '--scope-streams <names>',
        `device token: the comma-separated streams it may post to (${INGEST_STREAMS.join(', ')}; default measurements)`,
      )
      .option('--role <role>', 'API key: admin, operator or viewer')
      .option('--expires <iso>', 'expiry, ISO-8601'),
    'migrate',
  ).action(async (flags) => {
    await withCredentials('tokens create', load(flags), async (credentials) => {
      const device = flags.role === undefined
      const streams: string[] | undefined = flags.scopeStreams?.split(',')
      const sensorIds: string[] | undefined = flags.sensorIds?.split(',')
      const problem = device ? deviceScopeProblem({ streams, sensorIds, tag: flags.tag }) : undefined
      if (problem !== undefined)
        throw new Error(`${problem} (flags --scope-streams, --sensor-ids, --tag; or --role for an API key)`)
      const expiresAt = flags.expires === undefined ? undefined : new Date(flags.expires)
      if (expiresAt && Number.isNaN(expiresAt.getTime()))
        throw new Error(`--expires ${flags.expires}: not a date`)
      const spec: TokenSpec = device
        ? {
            kind: 'device',
            name: flags.name,
            sensorIds,
            tag: flags.tag,
            streams,
            expiresAt,
          }
        : { kind: 'api_key', name: flags.name, role: role(flags.role), expiresAt }
      const { row, token } = await credentials.createToken(spec, 'cli')
      process.stdout.write(`created ${row.kind} ${row.id}; the token (shown once):\n${token}\n`)
    })
  })
  addSettings(tokens.command('list').description('Lists tokens (never their secrets)'), 'migrate').action(
    async (flags) => {
      await withCredentials('tokens list', load(flags), async (credentials) => {
        for (const row of await credentials.listTokens())
          process.stdout.write(`${JSON.stringify(tokenInfo(row))}\n`)
      })
    },
  )
  addSettings(tokens.command('revoke <id>').description('Revokes a token now'), 'migrate').action(
    async (id: string, flags) => {
      await withCredentials('tokens revoke', load(flags), async (credentials) => {
        if (!(await credentials.revokeToken(id, 'cli'))) throw new Error(`no token ${id}`)
        process.stdout.write(`revoked ${id} (in effect within --auth-cache-ttl, at most 5 s)\n`)
      })
    },
  )
  addSettings(
    tokens
      .command('rotate <id>')
      .description('A new token with the same scope; the old one stays valid for --overlap seconds')
      .option('--overlap <seconds>', 'how long the old token keeps working', '86400'),
    'migrate',
  ).action(async (id: string, flags) => {
    await withCredentials('tokens rotate', load(flags), async (credentials) => {
      const rotated = await credentials.rotateToken(id, Number(flags.overlap), 'cli')
      if (!rotated) throw new Error(`no live token ${id}`)
      process.stdout.write(
        `rotated ${id} into ${rotated.row.id}; the new token (shown once):\n${rotated.token}\n`,
      )
    })
  })
}
