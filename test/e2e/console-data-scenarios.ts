import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import type { Browser } from 'playwright-core'
import { authHeaders } from '../../harness/index.ts'
import { uniqueName } from '../helpers/services.ts'
import { eventually } from './browser.ts'
import { type ConsoleTarget, openPage, post, snapshot } from './console-scenarios.ts'

const numberIn = (text: string | null) =>
  Number((text ?? '').replace(/,/g, '').match(/-?[0-9.]+/)?.[0] ?? NaN)

/**
 * A product with stock in two warehouses, through the real paths: the catalog by the admin API,
 * the movements and an event by ingest and the log to the saver. In w1: 20 received, 3 reserved,
 * 16 sold, so on hand 4, reserved 3, available 1, under the threshold of 5: a low-stock alert.
 */
async function seedProduct(target: ConsoleTarget, sku: string, category: string): Promise<void> {
  const product = await post(`${target.adminUrl}/products`, {
    sku,
    name: 'Enamel kettle',
    category,
    price: '24.90',
    attributes: {},
    low_stock_threshold: 5,
  })
  assert.equal(product.status, 201, await product.text())
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString()
  const movement = (n: number, warehouse: string, kind: string, quantity: number, minutesAgo: number) => ({
    movement_id: `${sku}-m${n}`,
    sku,
    warehouse,
    kind,
    quantity,
    timestamp: at(minutesAgo),
    reference: `order-${n}`,
  })
  const movements = await post(`${target.ingestUrl}/stock-movements`, [
    movement(1, 'w1', 'receipt', 20, 10),
    movement(2, 'w2', 'receipt', 8, 9),
    movement(3, 'w1', 'reservation', 3, 8),
    movement(4, 'w1', 'sale', -16, 7),
  ])
  assert.equal(movements.status, 202, await movements.text())
  const events = await post(`${target.ingestUrl}/product-events`, [
    { event_id: `${sku}-e1`, sku, type: 'viewed', quantity: 1, timestamp: at(11), session_id: 'session-1' },
  ])
  assert.equal(events.status, 202, await events.text())
}

async function productStockAndAlerts(t: TestContext, browser: Browser, target: ConsoleTarget, sku: string) {
  const category = uniqueName('kitchen')
  await seedProduct(target, sku, category)
  const page = await openPage(t, browser, target, '/console/products')
  await page.getByRole('heading', { name: 'Inventory' }).waitFor()
  await page.getByLabel('Category').fill(category)
  await page.getByText(/^Products 1–1, by SKU$/).waitFor()
  const row = page.getByRole('table', { name: /^Products 1/ }).getByRole('row', { name: new RegExp(sku) })
  assert.match((await row.textContent()) ?? '', /Enamel kettle.*24\.9/)
  // The alert is written by the saver with the sale: it appears once the movements are applied.
  await page
    .getByRole('table', { name: 'Open low-stock alerts, newest first' })
    .getByRole('row', { name: new RegExp(`${sku} w1 1 5`) })
    .waitFor({ timeout: 60_000 })
  await snapshot(page, target, 'products')

  await row.getByRole('link', { name: sku }).click()
  await page.getByRole('heading', { name: `Product ${sku}` }).waitFor()
  const stock = page.getByRole('table', { name: /^Stock in 2 warehouses$/ })
  await stock.getByRole('row', { name: 'w1 4 3 1 yes' }).waitFor({ timeout: 30_000 })
  await stock.getByRole('row', { name: 'w2 8 0 8 no' }).waitFor()
  await stock.getByRole('row', { name: 'All warehouses 12 3 9' }).waitFor()
  const ledger = page.getByRole('table', { name: /^Stock ledger/ })
  await ledger.getByRole('row', { name: /w1 sale -16 applied order-4/ }).waitFor()
  assert.equal(await ledger.getByRole('row').count(), 5, 'a header and the four movements')
  await page
    .getByRole('table', { name: /^Product events/ })
    .getByRole('row', { name: /viewed 1 session-1/ })
    .waitFor()
  await snapshot(page, target, 'product')
}

async function reportsShowTheDay(t: TestContext, browser: Browser, target: ConsoleTarget, sku: string) {
  const page = await openPage(t, browser, target, '/console/reports')
  await page.getByRole('heading', { name: 'Reports' }).waitFor()
  const summary = page.getByText(/readings in the last 14 days/)
  // The seeded day of readings lands in 1-hour windows: at least those 1,440 readings are counted.
  const total = await eventually(
    async () => numberIn(await summary.textContent()),
    (readings) => readings >= 1400,
    'the throughput report counting the seeded day',
    60_000,
  )
  const perDay = page.getByRole('table', { name: 'Readings per UTC day' }).getByRole('row')
  assert.ok((await perDay.count()) >= 2, 'a row per day with readings')
  const sites = page.getByRole('table', { name: 'Temperatures per UTC day and site' })
  assert.match((await sites.textContent()) ?? '', /unassigned.*°C/, 'sensors without a site are grouped')
  const turnover = page.getByRole('row', { name: new RegExp(`^${sku} Enamel kettle 16 12 1.33 22.5$`) })
  await turnover.waitFor()
  t.diagnostic(`reports: ${total} readings in 14 days; ${await turnover.textContent()}`)
  await snapshot(page, target, 'reports')
}

async function journeyFromTheSensorPage(t: TestContext, browser: Browser, target: ConsoleTarget) {
  const sensorId = uniqueName('journey')
  const timestamp = new Date(Date.now() - 1000).toISOString()
  const sent = await post(`${target.ingestUrl}/measurements`, [
    { sensor_id: sensorId, temperature: 21.5, timestamp },
  ])
  assert.equal(sent.status, 202, await sent.text())
  const journeyUrl = `${target.adminUrl}/measurements/journey?sensor_id=${sensorId}&timestamp=${timestamp}`
  await eventually(
    async () => (await fetch(journeyUrl, { headers: authHeaders() })).status,
    (status) => status === 200,
    'the reading stored',
  )
  const page = await openPage(t, browser, target, `/console/sensors/${sensorId}`)
  await page.getByRole('link', { name: 'Follow the latest reading' }).click()
  await page.getByRole('heading', { name: 'Journey of a measurement' }).waitFor()
  assert.equal(await page.getByLabel('Sensor id').inputValue(), sensorId)
  const timeline = page.getByRole('list', { name: 'Hops, oldest first' })
  await timeline.getByText('Stored in PostgreSQL').waitFor()
  assert.match((await timeline.textContent()) ?? '', /row id\s*\d+/, 'the stored row names its id')
  const hops = await timeline.locator('strong').allTextContents()
  t.diagnostic(`journey of ${sensorId} at ${timestamp}: ${hops.join(' → ')}`)
  await snapshot(page, target, 'journey')
}

/** The data pages' scenarios (inventory, reports, journey), run after the others in both modes. */
export async function runDataScenarios(
  t: TestContext,
  browser: Browser,
  target: ConsoleTarget,
): Promise<void> {
  const sku = uniqueName('KETTLE')
  await t.test('a product page shows stock per warehouse, its ledger and a low-stock alert', (t) =>
    productStockAndAlerts(t, browser, target, sku),
  )
  await t.test('the reports show the day of readings and the stock turnover', (t) =>
    reportsShowTheDay(t, browser, target, sku),
  )
  await t.test('a reading followed from the sensor page shows its journey as a timeline', (t) =>
    journeyFromTheSensorPage(t, browser, target),
  )
}
