import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PostgresStorage } from '../../../src/storage/postgres-storage.ts'
import { migratedPGlite } from '../../helpers/pglite.ts'
import { createTestDatabase } from '../../helpers/services.ts'
import { adapterPairs } from '../adapters.ts'
import type { FreshStorage } from './platform-fixtures.ts'

/**
 * Runs a part of the platform contract on every storage adapter that `FLOWLINE_ADAPTERS` selects,
 * each test on a database of its own. The contract is cut in parts so that `test:fast` can run
 * them in separate processes: on PGlite it is the longest contract suite.
 */
export function onEveryStorage(runPart: (name: string, freshStorage: FreshStorage) => void): void {
  if (adapterPairs.real)
    runPart('PostgreSQL server', async (t) => {
      const { url } = await createTestDatabase(t)
      const storage = new PostgresStorage({ connectionString: url })
      t.after(() => storage.close())
      return storage
    })

  if (adapterPairs.embedded)
    runPart('PGlite', async (t) => {
      const directory = await mkdtemp(join(tmpdir(), 'flowline-platform-'))
      const storage = await migratedPGlite(directory)
      t.after(async () => {
        await storage.close()
        await rm(directory, { recursive: true, force: true, maxRetries: 10 })
      })
      return storage
    })
}
