import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { Browser, Locator, Page } from 'playwright-core'
import { authHeaders } from '../../harness/index.ts'
import { uniqueName } from '../helpers/services.ts'
import { eventually } from './browser.ts'
import { redriveCorrectedReading, redriveCorrectedSale } from './console-dead-letter-scenarios.ts'
import { ACCOUNTS, type ConsoleTarget, openPage, post, snapshot } from './console-scenarios.ts'

/** What the operator scenarios need beyond the common target. */
export interface OperatorTarget extends ConsoleTarget {
  /** The ETL worker's import directory: the scenario writes its CSV there. */
  readonly etlImportDir: string
  /**
   * Writes a reading the saver refuses straight to the measurements topic, as a foreign producer
   * would (ingest refuses it first). Only where the test can reach the topic: real Kafka. Both
   * modes redrive a refused stock movement, which ingest accepts.
   */
  readonly publishPoison?: (sensorId: string, payload: string) => Promise<void>
  /** Whether the dead-letter pages' screenshots come from this mode (the reading's scenario). */
  readonly deadLetterScreenshots: boolean
}

async function sensorRegistered(adminUrl: string, sensorId: string) {
  await eventually(
    async () => (await fetch(`${adminUrl}/sensors/${sensorId}`, { headers: authHeaders() })).status,
    (status) => status === 200,
    `sensor ${sensorId} in the registry`,
    60_000,
  )
}

async function reading(ingestUrl: string, sensorId: string, temperature: number) {
  const response = await post(`${ingestUrl}/measurements`, {
    sensor_id: sensorId,
    temperature,
    timestamp: new Date().toISOString(),
  })
  assert.equal(response.status, 202, await response.text())
}

/** An operator lowers a sensor's maximum on its page; a reading above it opens an alert, acknowledged. */
async function thresholdOpensAlert(t: TestContext, browser: Browser, target: ConsoleTarget) {
  const sensorId = uniqueName('boiler')
  await reading(target.ingestUrl, sensorId, 20)
  await sensorRegistered(target.adminUrl, sensorId)
  const page = await openPage(t, browser, target, `/console/sensors/${sensorId}`)
  await page.getByRole('button', { name: 'Edit thresholds' }).click()
  await page.getByLabel('Minimum °C').fill('-10')
  await page.getByLabel('Maximum °C').fill('30')
  await page.getByLabel('Readings in a row').fill('1')
  await page.getByRole('button', { name: 'Save thresholds' }).click()
  await shownOrFailed(page, page.getByText('Below -10 °C or above 30 °C, 1 reading(s) in a row.'))

  const alerts = await openPage(t, browser, target, '/console/alerts')
  await alerts.getByText('Live', { exact: true }).waitFor()
  // The aggregator reads rules again at most every 5 s (RULES_TTL_MS): like a real sensor, this one
  // keeps reporting above the new maximum until the alert shows (bounded: 30 readings, 2 s apart).
  const opened = alerts.getByRole('status').getByText(`Alert opened on ${sensorId}: `, { exact: false })
  for (let attempt = 0; attempt < 30 && !(await opened.isVisible()); attempt++) {
    await reading(target.ingestUrl, sensorId, 35)
    await opened.waitFor({ timeout: 2000 }).catch(() => {})
  }
  await opened.waitFor({ timeout: 10_000 })
  const row = alerts.getByRole('row', { name: new RegExp(sensorId) })
  assert.match((await row.textContent()) ?? '', /open.*35 °C/)
  await row.getByRole('button', { name: `Acknowledge alert on ${sensorId}` }).click()
  await row.getByText(`by user:${ACCOUNTS.operator.username}`).waitFor()
  await snapshot(alerts, target, 'alerts-acknowledged')
}

/** An operator imports a CSV through the ETL page and watches the run reach `succeeded`. */
async function etlImportSucceeds(t: TestContext, browser: Browser, target: OperatorTarget) {
  const sensorId = uniqueName('imported')
  const file = `${uniqueName('console-import')}.csv`
  const start = Date.now() - 3_600_000
  const rows = Array.from(
    { length: 50 },
    (_, i) => `${sensorId},${(15 + i / 10).toFixed(1)},${new Date(start + i * 60_000).toISOString()}`,
  )
  await writeFile(join(target.etlImportDir, file), ['sensor_id,temperature,timestamp', ...rows].join('\n'))
  const page = await openPage(t, browser, target, '/console/etl')
  await page.getByLabel('Pipeline').selectOption('import-measurements')
  await page.getByLabel('source (required)').fill(file)
  await page.getByRole('button', { name: 'Run pipeline' }).click()
  await page.getByRole('heading', { name: 'Run of import-measurements' }).waitFor()
  const status = page.getByRole('status').filter({ hasText: /^Status: / })
  const seen = new Set<string>()
  await eventually(
    async () => {
      const text = (await status.textContent()) ?? ''
      seen.add(text.split(' · ')[0] ?? '')
      return text
    },
    (text) => /^Status: (succeeded|failed|cancelled)/.test(text),
    'the run finishing',
    120_000,
  )
  t.diagnostic(`statuses seen live: ${[...seen].join(' → ')}`)
  assert.match((await status.textContent()) ?? '', /^Status: succeeded/)
  assert.match((await page.getByText(/^50 \/ 50 \/ 0 \/ 50 \/ 0$/).textContent()) ?? '', /50/)
  // Straight back to the list, as a person would: this run's row (by its id, not the newest import
  // of any run) shows what the run page showed. A quick run gets back within the 2 s the list's
  // cache counts as fresh: a list kept from before the trigger (no such row, nothing to poll for)
  // timed out here before the list read itself on every arrival.
  const runId = new URL(page.url()).pathname.split('/').at(-1) ?? ''
  await page.getByRole('link', { name: '← ETL runs' }).click()
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: `Run ${runId}` }) })
  await row.getByText('succeeded', { exact: true }).waitFor({ timeout: 10_000 })
  const [, pipeline, shown, , loaded, rejected] = await row.getByRole('cell').allTextContents()
  assert.deepEqual([pipeline, shown, loaded, rejected], ['import-measurements', 'succeeded', '50', '0'])
  await snapshot(page, target, 'etl-runs')
  await row.getByRole('link', { name: `Run ${runId}` }).click()
  await page.getByText(/^50 \/ 50 \/ 0 \/ 50 \/ 0$/).waitFor()
  await snapshot(page, target, 'etl-run')
}

/** A viewer sees the operator pages without their actions, and the server refuses them anyway. */
async function viewerSeesNoActions(t: TestContext, browser: Browser, target: ConsoleTarget) {
  const page = await openPage(t, browser, target, '/console/dead-letters', 'viewer')
  await page.getByRole('heading', { name: 'Dead letters' }).waitFor()
  await page.getByRole('table').waitFor()
  await assertNone(page, ['Dry run', 'Bulk redrive'])
  await page.goto('/console/etl')
  await page.getByRole('heading', { name: 'ETL runs' }).waitFor()
  await page.getByText('Runs, newest first').waitFor()
  await assertNone(page, ['Run pipeline', 'Retry'])
  await page.goto('/console/alerts')
  await page.getByText('Open alerts, newest first').waitFor()
  await assertNone(page, ['Acknowledge'])
  await page.goto('/console/sensors/sensor-0001')
  await page.getByRole('heading', { name: 'Alert thresholds' }).waitFor()
  await assertNone(page, ['Edit thresholds'])
  // The buttons are hidden as a courtesy; the server is what refuses.
  const refused = await page.context().request.post(`${target.adminUrl}/alerts/1/acknowledge`)
  assert.equal(refused.status(), 403)
  const trigger = await page.context().request.post(`${target.adminUrl}/etl/runs`, {
    data: { pipeline: 'daily-rollups' },
  })
  assert.equal(trigger.status(), 403)
}

/** Waits for `expected`; an error the page shows instead fails the test with its text. */
async function shownOrFailed(page: Page, expected: Locator) {
  const failed = page.getByRole('alert')
  await expected
    .or(failed)
    .first()
    .waitFor()
    .catch(async (error: Error) => {
      throw new Error(`${error.message}\nthe page shows: ${await page.locator('main').innerText()}`)
    })
  if (await failed.count()) assert.fail(`the page says: ${await failed.first().textContent()}`)
}

async function assertNone(page: Page, buttons: readonly string[]) {
  for (const name of buttons)
    assert.equal(await page.getByRole('button', { name }).count(), 0, `a viewer sees no "${name}" button`)
}

/** The operator pages' scenarios, after the common ones, the same in both modes where they can run. */
export async function runOperatorScenarios(
  t: TestContext,
  browser: Browser,
  target: OperatorTarget,
): Promise<void> {
  await t.test(
    'an operator sets a threshold on the sensor page; a reading above it opens an alert, acknowledged',
    (t) => thresholdOpensAlert(t, browser, target),
  )
  await t.test('an operator triggers an ETL import and watches it reach succeeded', (t) =>
    etlImportSucceeds(t, browser, target),
  )
  await t.test(
    'an oversold sale is dead-lettered; an operator corrects it, redrives it, and sees it applied',
    (t) => redriveCorrectedSale(t, browser, target),
  )
  const { publishPoison } = target
  if (publishPoison)
    await t.test('an operator corrects a dead letter, redrives it, and sees the reading stored', (t) =>
      redriveCorrectedReading(t, browser, target, publishPoison, target.deadLetterScreenshots),
    )
  await t.test('a viewer sees no operator action, and the server refuses them', (t) =>
    viewerSeesNoActions(t, browser, target),
  )
}
