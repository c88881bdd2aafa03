import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PostgresStorage } from '../../src/storage/postgres-storage.ts'
import { type EtlHarness, openEtl } from '../helpers/etl.ts'
import { migratedPGlite } from '../helpers/pglite.ts'
import { testConfig } from '../helpers/pipeline.ts'
import { createTestDatabase } from '../helpers/services.ts'
import { adapterPairs } from './adapters.ts'
import type { EtlSetup } from './etl-contract.ts'

/** The ETL's storage setups, one per adapter the run asks for (FLOWLINE_ADAPTERS). */
export function etlSetups(): [string, () => Promise<EtlSetup>][] {
  const setups: [string, () => Promise<EtlSetup>][] = []
  if (adapterPairs.real)
    setups.push([
      'pg-boss on a PostgreSQL server',
      async () => {
        const { url, drop } = await createTestDatabase()
        return {
          storage: new PostgresStorage({ connectionString: url }),
          config: testConfig({ databaseUrl: url }),
          cleanup: drop,
        }
      },
    ])
  if (adapterPairs.embedded)
    setups.push([
      'pg-boss on PGlite',
      async () => {
        const dir = await mkdtemp(join(tmpdir(), 'flowline-etl-pglite-'))
        return {
          storage: await migratedPGlite(dir),
          config: testConfig({ embedded: true, dataDir: dir }),
          cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 10 }),
        }
      },
    ])
  return setups
}

/** Opens a setup, migrates it, and starts an ETL with one worker (`worker-a`). */
export async function openEtlWithWorker(
  open: () => Promise<EtlSetup>,
): Promise<{ setup: EtlSetup; etl: EtlHarness }> {
  const setup = await open()
  await setup.storage.migrate()
  const etl = await openEtl(setup.storage, setup.config)
  await etl.startWorker('worker-a')
  return { setup, etl }
}

export async function closeEtl(setup: EtlSetup | undefined, etl: EtlHarness | undefined): Promise<void> {
  await etl?.close()
  await setup?.storage.close()
  await setup?.cleanup()
}
