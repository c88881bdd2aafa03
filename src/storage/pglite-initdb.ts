import { execFile } from 'node:child_process'
import { existsSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { openPGlite, syncDirectory } from './pglite-durability.ts'

/**
 * PGlite's initdb is the most memory a database ever needs: `flowline up --embedded` peaked at
 * 1.2 GB resident on a new directory (against ~1.0 GB reopening one), and the allocator kept much
 * of it for the life of the process. A short-lived child process makes the new directory
 * instead, and exits with all of it. It builds it under a temporary name and renames it into place
 * once every file is synced, so a first start killed midway leaves nothing half made.
 */
export async function createDatabaseInChild(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0)
    throw new Error(`${dataDir} holds files but no database (no PG_VERSION); not creating one there`)
  const building = `${dataDir}.initdb`
  rmSync(building, { recursive: true, force: true })
  await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url), building], {
    timeout: 300_000,
  })
  // An empty directory in the way (made by whoever chose the path) is replaced.
  if (existsSync(dataDir)) rmdirSync(dataDir)
  renameSync(building, dataDir)
  syncDirectory(dirname(dataDir))
}

/** The child: create and sync the database, then exit. */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const directory = process.argv[2]
  if (!directory) throw new Error('usage: pglite-initdb.ts DATA_DIR')
  const { pglite, ready } = openPGlite(directory, true)
  await ready
  await pglite.close()
}
