import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { freePortRange, startRole, waitForHttp } from '../../harness/index.ts'
import { uniqueName } from '../helpers/services.ts'
import { launchBrowser } from './browser.ts'
import { runOperatorScenarios } from './console-ops-scenarios.ts'
import {
  buildConsole,
  type ConsoleTarget,
  runConsoleScenarios,
  seedDayOfReadings,
} from './console-scenarios.ts'

// `npm start`'s mode: one `flowline up --embedded` process with its simulator, in a real Chromium.
test('web console against embedded mode', { timeout: 600_000 }, async (t) => {
  await buildConsole()
  const dataDir = await mkdtemp(join(tmpdir(), 'flowline-console-'))
  const base = await freePortRange(4)
  const up = await startRole('up', {
    port: base,
    label: 'console-up',
    flags: {
      embedded: true,
      'data-dir': dataDir,
      'admin-port': base + 1,
      'saver-port': base + 2,
      'aggregate-port': base + 3,
      'etl-import-dir': dataDir,
      sensors: 5,
      rate: 20,
      'log-level': 'warn',
    },
    startTimeoutMs: 180_000,
  })
  t.after(async () => {
    await up.close()
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10 })
  })
  // `up` answers on the ingest port first; the admin role starts last.
  if (up.process) await waitForHttp(up.process, `http://127.0.0.1:${base + 1}/ready`, 120_000)
  const target: ConsoleTarget = {
    adminUrl: `http://127.0.0.1:${base + 1}`,
    ingestUrl: `http://127.0.0.1:${base}`,
    topic: 'temperatures',
    screenshots: true,
  }
  const history = uniqueName('history')
  await seedDayOfReadings(target.ingestUrl, history)
  const browser = await launchBrowser(t)

  await runConsoleScenarios(t, browser, target, history)
  await runOperatorScenarios(t, browser, { ...target, etlImportDir: dataDir, deadLetterScreenshots: false })
})
