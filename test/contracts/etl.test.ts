import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { migratedPGlite } from '../helpers/pglite.ts'
import { testConfig } from '../helpers/pipeline.ts'
import { createTestDatabase } from '../helpers/services.ts'
import { adapterPairs } from './adapters.ts'
import { runEtlContract } from './etl-contract.ts'

if (adapterPairs.real)
  runEtlContract('pg-boss on a PostgreSQL server', async () => {
    const { url, drop } = await createTestDatabase()
    return {
      storage: new PostgresStorage({ connectionString: url }),
      config: testConfig({ databaseUrl: url }),
      cleanup: drop,
    }
  })

if (adapterPairs.embedded)
  runEtlContract('pg-boss on PGlite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flowline-etl-pglite-'))
    return {
      storage: await migratedPGlite(dir),
      config: testConfig({ embedded: true, dataDir: dir }),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    }
  })
