import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openPGlite, syncedFileCount } from '../../src/storage/pglite-durability.ts'
import { createDatabaseInChild } from '../../src/storage/pglite-initdb.ts'
import { PGliteStorage } from '../../src/storage/pglite-storage.ts'
import { PGliteThread } from '../../src/storage/pglite-thread.ts'

/**
 * A synced PGlite on a real directory: a new directory synced whole, PostgreSQL run with fsync on,
 * and its syncs reaching the file system (a count kept where the system call is made; `strace -e
 * fsync` on the same code shows them, where an unsynced PGlite makes none).
 */
describe('PGlite synced to disk', () => {
  let directory: string
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'flowline-pglite-synced-'))
  })
  after(async () => {
    await rm(directory, { recursive: true, force: true, maxRetries: 10 })
  })

  it('makes a new database in a child process, in place of an empty directory, and never over files', async () => {
    const dataDir = join(directory, 'made-by-child')
    await mkdir(dataDir)
    const memoryBefore = process.resourceUsage().maxRSS
    await createDatabaseInChild(dataDir)
    assert.ok(existsSync(join(dataDir, 'PG_VERSION')), 'a database was made')
    assert.ok(!existsSync(`${dataDir}.initdb`), 'the temporary directory was renamed into place')
    // initdb peaks near 1 GB; in a child, this process did not grow by anything like it. First in
    // the file, so that no in-process PGlite has raised this process's peak already.
    const grownKb = process.resourceUsage().maxRSS - memoryBefore
    assert.ok(grownKb < 200_000, `this process's peak grew by ${grownKb} kB`)
    const thread = new PGliteThread(dataDir, { synced: true })
    try {
      assert.deepEqual((await thread.query('SHOW fsync')).rows, [{ fsync: 'on' }])
    } finally {
      await thread.close()
    }
    const occupied = join(directory, 'occupied')
    await mkdir(occupied)
    await writeFile(join(occupied, 'notes.txt'), 'not a database')
    await assert.rejects(createDatabaseInChild(occupied), /holds files but no database/)
    assert.deepEqual(await readdir(occupied), ['notes.txt'])
  })

  it('syncs a new directory whole, runs PostgreSQL with fsync on, syncs each commit, and reopens what it stored', async () => {
    const dataDir = join(directory, 'in-process')
    const atStart = syncedFileCount()
    const { pglite, ready } = openPGlite(dataDir, true)
    await ready
    // A new directory is synced whole before use: initdb itself syncs a handful of its files.
    const files = (await readdir(dataDir, { recursive: true })).length
    assert.ok(
      syncedFileCount() - atStart > files,
      `${syncedFileCount() - atStart} syncs for ${files} entries`,
    )
    const setting = async (name: string) =>
      Object.values((await pglite.query<Record<string, string>>(`SHOW ${name}`)).rows[0] ?? {})[0]
    assert.equal(await setting('fsync'), 'on')
    assert.equal(await setting('wal_sync_method'), 'fsync')
    await pglite.exec('CREATE TABLE kept (v int)')
    const before = syncedFileCount()
    await pglite.exec('BEGIN; INSERT INTO kept VALUES (1), (2); COMMIT')
    assert.ok(syncedFileCount() > before, `syncs ${before} → ${syncedFileCount()}`)
    await pglite.close()
    const reopened = openPGlite(dataDir, true)
    await reopened.ready
    const { rows } = await reopened.pglite.query('SELECT v FROM kept ORDER BY v')
    assert.deepEqual(rows, [{ v: 1 }, { v: 2 }])
    await reopened.pglite.close()
  })

  it('is what a worker thread opens when asked, and not otherwise; in-process, a storage refuses it', async () => {
    assert.throws(
      () => new PGliteStorage({ dataDir: join(directory, 'refused'), synced: true }),
      /a synced PGlite runs on its worker thread/,
    )
    const synced = new PGliteThread(join(directory, 'worker'), { synced: true })
    const unsynced = new PGliteThread(join(directory, 'worker-unsynced'))
    try {
      assert.deepEqual((await synced.query('SHOW fsync')).rows, [{ fsync: 'on' }])
      assert.deepEqual((await unsynced.query('SHOW fsync')).rows, [{ fsync: 'off' }])
    } finally {
      await Promise.all([synced.close(), unsynced.close()])
    }
  })
})
