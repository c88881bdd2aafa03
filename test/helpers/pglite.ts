import { createHash } from 'node:crypto'
import { access, cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { isAlive } from '../../src/broker/embedded/directory-lock.ts'
import { PGliteStorage } from '../../src/storage/pglite-storage.ts'

const PREFIX = 'flowline-pglite-template-'
const MIGRATIONS = new URL('../../src/storage/migrations/', import.meta.url)

let template: Promise<string> | undefined

/** A short hash of the migrations' sources: a template built from other migrations is never used. */
async function migrationsHash(): Promise<string> {
  const hash = createHash('sha256')
  for (const name of (await readdir(MIGRATIONS)).sort())
    hash.update(name).update(await readFile(new URL(name, MIGRATIONS)))
  return hash.digest('hex').slice(0, 12)
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )

/** Templates (and unfinished builds) of test runs that have ended: nobody copies them any more. */
async function removeEndedRuns(keep: string): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    if (join(tmpdir(), name).startsWith(keep)) continue
    const pid = Number(name.startsWith(PREFIX) ? name.slice(PREFIX.length).split('-')[0] : Number.NaN)
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid))
      await rm(join(tmpdir(), name), { recursive: true, force: true, maxRetries: 10 })
  }
}

/**
 * A PGlite database migrated once per test run, shut down cleanly, then only ever copied. A run
 * may have several test processes (`npm test` runs files two at a time, `test:fast` two shards):
 * the first that needs the template builds it, the others wait for it and copy the same one. It is
 * named after the run's process id (a template of an ended run is removed), the UTC day (the
 * migrations create the day partitions around today) and the migrations.
 */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const day = new Date().toISOString().slice(0, 10)
    // The process that started the run: the test runner, or scripts/test-fast.sh for its two shards.
    const run = Number(process.env.FLOWLINE_TEST_RUN_PID) || process.ppid
    const directory = join(tmpdir(), `${PREFIX}${run}-${day}-${await migrationsHash()}`)
    const deadline = Date.now() + 5 * 60_000
    while (!(await exists(directory))) {
      if (await claimBuild(directory)) {
        await build(directory)
        break
      }
      // Another process of the run is building it (test:fast starts two at once): wait for it.
      if (Date.now() > deadline) throw new Error(`no PGlite template at ${directory} after 5 minutes`)
      await sleep(100)
    }
    return directory
  })()
  return template
}

/**
 * Claims the build with a lock file holding this process's id, or takes over the claim of a
 * process that died mid-build. False while a live process holds it.
 */
async function claimBuild(directory: string): Promise<boolean> {
  const lock = `${directory}.lock`
  try {
    await writeFile(lock, String(process.pid), { flag: 'wx' })
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const holder = Number(await readFile(lock, 'utf8').catch(() => ''))
    if (holder > 0 && !isAlive(holder)) await rm(lock, { force: true })
    return false
  }
}

async function build(directory: string): Promise<void> {
  // Built by a process that released the claim between this one's look and its claim.
  if (await exists(directory)) {
    await rm(`${directory}.lock`, { force: true })
    return
  }
  await removeEndedRuns(directory)
  const building = await mkdtemp(`${directory}-building-`)
  const storage = new PGliteStorage({ dataDir: building })
  await storage.migrate()
  await storage.close()
  // Atomic: a process sees the template complete or not at all.
  await rename(building, directory)
  await rm(`${directory}.lock`, { force: true })
}

/**
 * A migrated PGlite storage in `directory` (new or empty), copied from a template: PGlite's initdb
 * and the migrations cost seconds per database on the shared 2-core machine, a copy a fraction of
 * that. Each test still gets its own database. Tests of the migrations themselves open their own.
 */
export async function migratedPGlite(directory: string): Promise<PGliteStorage> {
  await cp(await migratedTemplate(), directory, { recursive: true })
  return new PGliteStorage({ dataDir: directory })
}
