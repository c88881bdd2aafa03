import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import type { Browser } from 'playwright-core'
import { uniqueName } from '../helpers/services.ts'
import { movementsOf } from '../helpers/stock-movements.ts'
import { eventually } from './browser.ts'
import { type ConsoleTarget, openPage, post, snapshot } from './console-scenarios.ts'

/** A dead letter to look for, and the correction an operator types on its page. */
interface Correction {
  /** The list filter that finds it: its label on the page and what is typed. */
  readonly filter: { readonly label: 'Reason' | 'Field'; readonly value: string }
  /** Text in its row of the list (a sensor id, a sku in the reason). */
  readonly rowText: string
  /** What the original payload holds, as the page shows it. */
  readonly original: RegExp
  readonly corrected: string
  /** A correction tried first, which the server refuses with a message the page shows. */
  readonly refused?: { readonly payload: string; readonly message: RegExp }
  /** Whether this scenario writes docs/screenshots/dead-letters.png and dead-letter.png. */
  readonly screenshots: boolean
}

/**
 * What an operator does with a refused record: filters the dead-letter list to it, dry-runs a bulk
 * redrive of the filter, opens the letter, corrects its payload and redrives it. After the redrive,
 * and after a reload, the page shows the corrected payload that was sent, and the original apart.
 */
async function correctAndRedrive(t: TestContext, browser: Browser, target: ConsoleTarget, fix: Correction) {
  const page = await openPage(t, browser, target, '/console/dead-letters')
  await page.getByLabel(fix.filter.label).fill(fix.filter.value)
  const row = page.getByRole('row', { name: new RegExp(fix.rowText) })
  await eventually(
    async () => {
      await page.getByRole('button', { name: 'Apply filters' }).click()
      return row.count()
    },
    (rows) => rows === 1,
    `the dead letter of ${fix.rowText} in the list`,
    60_000,
  )
  await page.getByRole('button', { name: 'Dry run' }).click()
  const dryRun = page.getByText(/^Dry run: [0-9,]+ dead letters? would be redriven; nothing changed\.$/)
  await dryRun.waitFor()
  t.diagnostic((await dryRun.textContent()) ?? '')
  const shot = { ...target, screenshots: fix.screenshots }
  await snapshot(page, shot, 'dead-letters')

  await row.getByRole('link').click()
  const payload = page.getByLabel(/^Payload/)
  await payload.waitFor()
  assert.match(await payload.inputValue(), fix.original)
  if (fix.refused) {
    await payload.fill(fix.refused.payload)
    await page.getByRole('button', { name: 'Redrive corrected' }).click()
    const refusal = page.getByRole('alert')
    await refusal.waitFor()
    assert.match((await refusal.textContent()) ?? '', fix.refused.message)
    await page.getByText('new', { exact: true }).waitFor()
  }
  await payload.fill(fix.corrected)
  await page.getByRole('button', { name: 'Redrive corrected' }).click()
  await page.getByText(/^Dead letter [0-9]+ redriven by (user:)?console-operator\.$/).waitFor()
  await page.getByText('redriven', { exact: true }).waitFor()
  // The letter is read again after the redrive: the box holds what was sent, the original apart;
  // the server keeps both, so a reload shows the same.
  for (const when of ['after the redrive', 'after a reload']) {
    const sent = page.getByLabel(/^Corrected payload, as redriven/)
    await sent.waitFor()
    assert.equal(await sent.inputValue(), fix.corrected, `the corrected payload ${when}`)
    assert.match(await page.getByLabel(/^Original payload/).inputValue(), fix.original, when)
    if (when === 'after the redrive') {
      await snapshot(page, shot, 'dead-letter')
      await page.reload()
    }
  }
  await page.getByText('redriven', { exact: true }).waitFor()
}

/**
 * A reading the saver refused, written straight to the topic as a foreign producer would (ingest
 * refuses it first), corrected and redriven, then shown on its sensor page.
 */
export async function redriveCorrectedReading(
  t: TestContext,
  browser: Browser,
  target: ConsoleTarget,
  publishPoison: (sensorId: string, payload: string) => Promise<void>,
  screenshots: boolean,
) {
  const sensorId = uniqueName('poison')
  const timestamp = new Date(Date.now() - 60_000).toISOString()
  await publishPoison(sensorId, JSON.stringify({ sensor_id: sensorId, temperature: 5000, timestamp }))
  await correctAndRedrive(t, browser, target, {
    filter: { label: 'Field', value: 'temperature' },
    rowText: sensorId,
    original: /"temperature":5000/,
    corrected: JSON.stringify({ sensor_id: sensorId, temperature: 21.5, timestamp }),
    screenshots,
  })
  const sensor = await openPage(t, browser, target, `/console/sensors/${sensorId}`)
  await sensor.getByText(/last 21\.5 °C/).waitFor({ timeout: 60_000 })
}

/**
 * A sale of more than the stock, which ingest accepts (it cannot know the stock) and the stock
 * consumer refuses (INSUFFICIENT_STOCK). The operator corrects it to what was really sold, under a
 * new movement id (the ledger decided the first id once, as refused), redrives it, and the product
 * page shows the sale applied next to the refusal. Every step goes through public interfaces, so
 * it runs in embedded mode too.
 */
export async function redriveCorrectedSale(t: TestContext, browser: Browser, target: ConsoleTarget) {
  const sku = uniqueName('MUG')
  const product = await post(`${target.adminUrl}/products`, {
    sku,
    name: 'Stoneware mug',
    category: uniqueName('tableware'),
    price: '9.50',
  })
  assert.equal(product.status, 201, await product.text())
  const movement = movementsOf(sku, new Date(Date.now() - 60_000).toISOString())
  const sent = await post(`${target.ingestUrl}/stock-movements`, [
    movement('m1', 'receipt', 5),
    movement('m2', 'sale', -8),
  ])
  assert.equal(sent.status, 202, await sent.text())

  await correctAndRedrive(t, browser, target, {
    filter: { label: 'Reason', value: sku },
    rowText: `INSUFFICIENT_STOCK: sale of 8 for ${sku}`,
    original: /"quantity":-8/,
    corrected: JSON.stringify({ ...movement('m2-corrected', 'sale', -3), reference: 'order-m2' }),
    // The same correction under the refused id: the ledger decided it once, so the server refuses it.
    refused: {
      payload: JSON.stringify(movement('m2', 'sale', -3)),
      message: /movement_id .*-m2 is already decided \(refused INSUFFICIENT_STOCK\).*new movement_id/,
    },
    screenshots: false,
  })
  const page = await openPage(t, browser, target, `/console/products/${sku}`)
  await page.getByRole('heading', { name: `Product ${sku}` }).waitFor()
  // The stock refreshes itself; the ledger is read when the page opens, so it is opened again.
  const stock = page.getByRole('table', { name: /^Stock in 1 warehouse$/ })
  await stock.getByRole('row', { name: 'w1 2 0 2 no' }).waitFor({ timeout: 60_000 })
  await page.reload()
  const ledger = page.getByRole('table', { name: /^Stock ledger/ })
  await ledger.getByRole('row', { name: /w1 sale -3 applied order-m2/ }).waitFor()
  await ledger.getByRole('row', { name: /w1 sale -8 refused: INSUFFICIENT_STOCK/ }).waitFor()
}
