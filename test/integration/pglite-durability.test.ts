import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openPGlite, syncedFileCount } from '../../src/storage/pglite-durability.ts'
import { PGliteThread } from '../../src/storage/pglite-thread.ts'

/**
 * A synced PGlite on a real directory: PostgreSQL runs with fsync on, and its syncs reach the file
 * system (a count kept where the system call is made; `strace -e fsync` on the same code shows
 * them, where an unsynced PGlite makes none).
 */
describe('PGlite synced to disk', () => {
  let directory: string
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'flowline-pglite-synced-'))
  })
  after(async () => {
    await rm(directory, { recursive: true, force: true, maxRetries: 10 })
  })

  it('runs PostgreSQL with fsync on and syncs each commit to the files, and reopens what it stored', async () => {
    const dataDir = join(directory, 'in-process')
    const pglite = openPGlite(dataDir, true)
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
    assert.deepEqual((await reopened.query('SELECT v FROM kept ORDER BY v')).rows, [{ v: 1 }, { v: 2 }])
    await reopened.close()
  })

  it('is what a worker thread opens when asked, and not otherwise', async () => {
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
