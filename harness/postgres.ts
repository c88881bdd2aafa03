import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import pg from 'pg'
import { isRoot, postgresUrl, type ServiceLayout } from './layout.ts'
import { HOST, portOpen } from './ports.ts'
import { alive, childrenOf, signalAll, waitExited } from './proc.ts'

const run = promisify(execFile)
const USER = 'flowline'
const PASSWORD = 'flowline'
const DATABASE = 'flowline'

/**
 * The PostgreSQL server binaries: FLOWLINE_PG_BINDIR, else /usr/lib/postgresql/15/bin, else the
 * newest installed version. Throws with the install command when there is none.
 */
export function pgBindir(env: NodeJS.ProcessEnv = process.env): string {
  const complete = (dir: string) =>
    ['postgres', 'initdb', 'pg_ctl', 'pg_isready'].every((tool) => existsSync(join(dir, tool)))
  if (env.FLOWLINE_PG_BINDIR) {
    if (!complete(env.FLOWLINE_PG_BINDIR))
      throw new Error(`FLOWLINE_PG_BINDIR=${env.FLOWLINE_PG_BINDIR} has no PostgreSQL server binaries`)
    return env.FLOWLINE_PG_BINDIR
  }
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
    : []
  for (const dir of ['/usr/lib/postgresql/15/bin', ...versions.map((v) => `/usr/lib/postgresql/${v}/bin`)])
    if (complete(dir)) return dir
  throw new Error(
    'PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin). Install them with: ' +
      'apt-get install -y postgresql   (or: bash scripts/postgres/install.sh)',
  )
}

/**
 * A PostgreSQL server in `<stateDir>/postgres` on the layout's port, with fsync and synchronous
 * commit on. As root it runs as the `postgres` OS user (initdb and postgres refuse root).
 */
export class PostgresServer {
  readonly layout: ServiceLayout
  readonly dir: string
  readonly dataDir: string
  readonly socketDir: string
  readonly logFile: string
  readonly startTimeoutMs: number
  readonly stopTimeoutMs: number

  constructor(layout: ServiceLayout, env: NodeJS.ProcessEnv = process.env) {
    this.layout = layout
    this.dir = join(layout.stateDir, 'postgres')
    this.dataDir = join(this.dir, 'data')
    this.socketDir = join(this.dir, 'run')
    this.logFile = join(this.dir, 'postgres.log')
    this.startTimeoutMs = Number(env.FLOWLINE_START_TIMEOUT ?? 180) * 1000
    this.stopTimeoutMs = Number(env.FLOWLINE_STOP_TIMEOUT ?? 30) * 1000
  }

  /** The URL of `database` (default `flowline`) as the `flowline` superuser. */
  url(database = DATABASE): string {
    return postgresUrl(this.layout, database)
  }

  get bindir(): string {
    return pgBindir()
  }

  /** The postmaster's pid when this server runs; a lock file left by a dead server is removed. */
  pid(): number | undefined {
    const file = join(this.dataDir, 'postmaster.pid')
    if (!existsSync(file)) return undefined
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0])
    if (!(pid > 0)) return undefined
    let comm = ''
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
    } catch {
      // gone
    }
    if (alive(pid) && comm === 'postgres') return pid
    // Dead, a zombie (PID 1 here reaps late) or a reused pid: postgres would refuse to start on it.
    rmSync(file, { force: true })
    return undefined
  }

  get running(): boolean {
    return this.pid() !== undefined
  }

  /** The postmaster and its backends. */
  pids(): number[] {
    const pid = this.pid()
    return pid === undefined ? [] : [pid, ...childrenOf(pid)]
  }

  /** `postgres --version` of the binaries, e.g. "15.10". */
  async version(): Promise<string> {
    const { stdout } = await run(join(this.bindir, 'postgres'), ['--version'])
    return /\(PostgreSQL\) ([0-9.]+)/.exec(stdout)?.[1] ?? 'unknown'
  }

  /** Starts the server (initdb on first use) and creates the `flowline` database. Idempotent. */
  async start(): Promise<{ started: boolean; initialized: boolean }> {
    const bindir = this.bindir
    if (this.running) return { started: false, initialized: false }
    if (await portOpen(this.layout.pgPort))
      throw new Error(
        `port ${HOST}:${this.layout.pgPort} is already in use by another process (not the server in ${this.dataDir}); free it or set FLOWLINE_PG_PORT`,
      )
    await this.#prepareDirectory()
    const initialized = !existsSync(join(this.dataDir, 'PG_VERSION'))
    if (initialized) await this.#initdb(bindir)
    await this.#asPostgres('mkdir', ['-p', this.socketDir])
    rmSync(join(this.socketDir, `.s.PGSQL.${this.layout.pgPort}.lock`), { force: true })
    await this.#writeConf()
    try {
      await this.#asPostgres(join(bindir, 'pg_ctl'), [
        '-D',
        this.dataDir,
        '-l',
        this.logFile,
        '-w',
        '-t',
        String(this.startTimeoutMs / 1000),
        '-s',
        'start',
      ])
    } catch {
      throw new Error(`PostgreSQL did not start\n--- tail of ${this.logFile}\n${this.#tail()}`)
    }
    await this.#waitAccepting()
    const admin = new pg.Client({
      host: this.socketDir,
      port: this.layout.pgPort,
      user: USER,
      database: 'postgres',
    })
    await admin.connect()
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE])
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE} OWNER ${USER}`)
    } finally {
      await admin.end()
    }
    return { started: true, initialized }
  }

  /** A clean shutdown (`pg_ctl -m fast`), `-m immediate` when it takes longer than the stop timeout. */
  async stop(): Promise<void> {
    if (!this.running) return
    this.resume()
    try {
      await this.#pgCtlStop('fast', this.stopTimeoutMs)
    } catch {
      await this.#pgCtlStop('immediate', 10_000).catch(() => signalAll(this.pids(), 'SIGKILL'))
    }
  }

  /**
   * `pg_ctl stop -m immediate`: the postmaster SIGQUITs its backends and exits without a
   * checkpoint, so the next start runs crash recovery.
   */
  async stopImmediate(): Promise<void> {
    if (this.running) await this.#pgCtlStop('immediate', 30_000)
  }

  /**
   * SIGKILL to the postmaster and all its backends at once, like a machine crash (each backend is
   * its own session leader, so this goes by parent pid, not by process group).
   */
  async kill(): Promise<void> {
    const pids = this.pids()
    signalAll(pids, 'SIGKILL')
    await waitExited(pids, 10_000)
  }

  /** SIGSTOP to the postmaster and its backends: connections stay open, nothing answers. */
  pause(): void {
    signalAll(this.pids(), 'SIGSTOP')
  }

  resume(): void {
    signalAll(this.pids(), 'SIGCONT')
  }

  async #pgCtlStop(mode: 'fast' | 'immediate', timeoutMs: number): Promise<void> {
    await this.#asPostgres(join(this.bindir, 'pg_ctl'), [
      '-D',
      this.dataDir,
      '-m',
      mode,
      '-w',
      '-t',
      String(Math.ceil(timeoutMs / 1000)),
      '-s',
      'stop',
    ])
  }

  /**
   * As root the server runs as `postgres`, which must reach the state directory. Parent
   * directories are never changed here: when one is closed, this says which and stops.
   */
  async #prepareDirectory(): Promise<void> {
    mkdirSync(this.dir, { recursive: true })
    if (!isRoot()) return
    try {
      await run('id', ['postgres'])
    } catch {
      throw new Error("OS user 'postgres' is missing (it comes with: apt-get install -y postgresql)")
    }
    let closed: string | undefined
    for (let dir = dirname(this.dir); ; dir = dirname(dir)) {
      try {
        await run('runuser', ['-u', 'postgres', '--', 'test', '-x', dir])
      } catch {
        closed = dir
      }
      if (dir === '/') break
    }
    if (closed)
      throw new Error(
        `PostgreSQL runs as the 'postgres' user, which cannot enter ${closed} (on the way to ${this.dir}). ` +
          'Choose a state directory it can reach (FLOWLINE_STATE_DIR=/var/lib/flowline, the default for root), ' +
          `or allow it yourself: chmod o+x ${closed}`,
      )
    await run('chown', ['postgres:postgres', this.dir])
  }

  async #initdb(bindir: string): Promise<void> {
    rmSync(this.dataDir, { recursive: true, force: true })
    const passwordFile = join(this.dir, '.initdb-pw')
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 })
    try {
      if (isRoot()) await run('chown', ['postgres:postgres', passwordFile])
      await this.#asPostgres(join(bindir, 'initdb'), [
        '-D',
        this.dataDir,
        '-U',
        USER,
        `--pwfile=${passwordFile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '-E',
        'UTF8',
        '--no-locale',
        '--no-instructions',
      ])
    } catch (error) {
      throw new Error(`initdb failed: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`)
    } finally {
      rmSync(passwordFile, { force: true })
    }
    await this.#asPostgres('sh', [
      '-c',
      `echo "include_if_exists = 'flowline.conf'" >> '${join(this.dataDir, 'postgresql.conf')}'`,
    ])
  }

  /** Rewritten on every start, so a changed port takes effect. Settings made with ALTER SYSTEM survive it. */
  async #writeConf(): Promise<void> {
    const conf = `# Generated by the Flowline harness on every start; edits are overwritten.
listen_addresses = '${HOST}'
port = ${this.layout.pgPort}
unix_socket_directories = '${this.socketDir}'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
full_page_writes = on
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
`
    await this.#asPostgres('sh', ['-c', `cat > '${join(this.dataDir, 'flowline.conf')}'`], conf)
  }

  async #waitAccepting(): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs
    while (true) {
      try {
        await run(join(this.bindir, 'pg_isready'), [
          '-q',
          '-h',
          HOST,
          '-p',
          String(this.layout.pgPort),
          '-d',
          'postgres',
        ])
        return
      } catch {
        if (Date.now() > deadline)
          throw new Error(`pg_isready on ${HOST}:${this.layout.pgPort} still failing (log: ${this.logFile})`)
        await sleep(100)
      }
    }
  }

  /** Runs a command as the `postgres` user when we are root, else as ourselves. */
  async #asPostgres(file: string, args: readonly string[], input?: string): Promise<void> {
    const [command, argv] = isRoot()
      ? ['runuser', ['-u', 'postgres', '--', file, ...args]]
      : [file, [...args]]
    const child = run(command as string, argv as string[], { timeout: 120_000 })
    if (input !== undefined) {
      child.child.stdin?.end(input)
    }
    await child
  }

  #tail(): string {
    return existsSync(this.logFile)
      ? readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-30).join('\n')
      : ''
  }
}
