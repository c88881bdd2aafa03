import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../harness/index.ts'
import { PGliteStorage } from '../../src/storage/pglite-storage.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { migratedPGlite } from '../helpers/pglite.ts'
import { createTestDatabase } from '../helpers/services.ts'
import { adapterPairs } from './adapters.ts'
import { runAdminContract } from './admin-contract.ts'

if (adapterPairs.real)
  runAdminContract(
    'PostgreSQL server',
    async (t, state) => {
      const { url } = await createTestDatabase(t)
      const storage = new PostgresStorage({ connectionString: url })
      t.after(() => storage.close())
      if (state === 'migrated') await storage.migrate()
      return storage
    },
    {
      // A port the OS just gave back: nothing listens there, so every connection is refused.
      unreachableStorage: async (t) => {
        const { url } = await createTestDatabase(t)
        const down = new URL(url)
        down.port = String(await freePort())
        const storage = new PostgresStorage({ connectionString: down.toString() })
        t.after(() => storage.close())
        return { storage, port: down.port }
      },
    },
  )

if (adapterPairs.embedded)
  runAdminContract('PGlite', async (t, state) => {
    const directory = await mkdtemp(join(tmpdir(), 'flowline-admin-'))
    // A copy of the migrated template, or (for the never-migrated case) an empty database.
    const storage =
      state === 'migrated' ? await migratedPGlite(directory) : new PGliteStorage({ dataDir: directory })
    t.after(async () => {
      await storage.close()
      await rm(directory, { recursive: true, force: true, maxRetries: 10 })
    })
    return storage
  })
