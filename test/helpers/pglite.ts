import { rmSync } from 'node:fs'
import { cp, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGliteStorage } from '../../src/storage/pglite-storage.ts'

let template: Promise<string> | undefined

/** A PGlite database migrated once per test process, shut down cleanly, then only ever copied. */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const directory = await mkdtemp(join(tmpdir(), 'flowline-pglite-template-'))
    process.once('exit', () => rmSync(directory, { recursive: true, force: true }))
    const storage = new PGliteStorage({ dataDir: directory })
    await storage.migrate()
    await storage.close()
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
