import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGliteStorage } from '../../src/storage/pglite-storage.ts'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { createTestDatabase } from '../helpers/services.ts'
import { adapterPairs } from './adapters.ts'
import { runStorageContract } from './storage-contract.ts'

if (adapterPairs.real)
  runStorageContract('PostgreSQL server', async () => {
    const { url, drop } = await createTestDatabase()
    return { storage: new PostgresStorage({ connectionString: url }), cleanup: drop }
  })

// In-process, as the tests open it, and on a worker thread, as `flowline up --embedded` does.
for (const [name, worker] of [
  ['PGlite', false],
  ['PGlite on a worker thread', true],
] as const)
  if (adapterPairs.embedded)
    runStorageContract(name, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'flowline-pglite-'))
      return {
        storage: new PGliteStorage({ dataDir: dir, worker }),
        cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 10 }),
      }
    })
