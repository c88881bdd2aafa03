import { createHash } from 'node:crypto'
import { access, cp, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
async function removeEndedRuns(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    const pid = Number(name.startsWith(PREFIX) ? name.slice(PREFIX.length).split('-')[0] : Number.NaN)
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid))
      await rm(join(tmpdir(), name), { recursive: true, force: true })
  }
}

/**
 * A PGlite database migrated once per test run, shut down cleanly, then only ever copied. The test
 * runner runs files in processes of their own, two at a time: the first process that needs the
 * template builds it, the others copy the same one. It is named after the runner's process id (a
 * template of an ended run is removed), the UTC day (the migrations create the day partitions
 * around today) and the migrations.
 */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const day = new Date().toISOString().slice(0, 10)
    const directory = join(tmpdir(), `${PREFIX}${process.ppid}-${day}-${await migrationsHash()}`)
    if (await exists(directory)) return directory
    await removeEndedRuns()
    const building = await mkdtemp(`${directory}-building-`)
    const storage = new PGliteStorage({ dataDir: building })
    await storage.migrate()
    await storage.close()
    try {
      // Atomic: a process sees the template complete or not at all.
      await rename(building, directory)
    } catch (error) {
      // Another process of the run finished first (the target is a non-empty directory): use its copy.
      if (!['EEXIST', 'ENOTEMPTY'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error
      await rm(building, { recursive: true, force: true })
    }
    return directory
  })()
  return template
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
