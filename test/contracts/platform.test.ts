import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { migratedPGlite } from '../helpers/pglite.ts'
import { createTestDatabase } from '../helpers/services.ts'
import { adapterPairs } from './adapters.ts'
import { runPlatformContract } from './platform-contract.ts'

if (adapterPairs.real)
  runPlatformContract('PostgreSQL server', async (t) => {
    const { url } = await createTestDatabase(t)
    const storage = new PostgresStorage({ connectionString: url })
    t.after(() => storage.close())
    return storage
  })

if (adapterPairs.embedded)
  runPlatformContract('PGlite', async (t) => {
    const directory = await mkdtemp(join(tmpdir(), 'flowline-platform-'))
    const storage = await migratedPGlite(directory)
    t.after(async () => {
      await storage.close()
      await rm(directory, { recursive: true, force: true })
    })
    return storage
  })
