import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import type { TestContext } from 'node:test'
import { promisify } from 'node:util'
import type { Browser, Page } from 'playwright-core'
import { authHeaders } from '../../harness/index.ts'
import { uniqueName } from '../helpers/services.ts'
import { assertAccessible, eventually, newPage } from './browser.ts'
import { runDataScenarios } from './console-data-scenarios.ts'

export interface ConsoleTarget {
  /** The admin role's base URL: the console is under /console/. */
  readonly adminUrl: string
  readonly ingestUrl: string
  /** The topic name the flow view draws (the run's own in real mode). */
  readonly topic: string
  /** Writes docs/screenshots/<page>.png (one mode does, so the pictures do not churn). */
  readonly screenshots: boolean
}

const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url).pathname

/** Every call of these tests to an API goes through here: one place to add credentials. */
export async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders() },
    body: JSON.stringify(body),
  })
}

/** `GET url` as the harness's admin key. */
async function get(url: string): Promise<Response> {
  return fetch(url, { headers: authHeaders() })
}

/** The console accounts the scenarios sign in with, one per role. */
export const ACCOUNTS = {
  operator: { username: 'console-operator', password: 'operator-password-e2e' },
  viewer: { username: 'console-viewer', password: 'viewer-password-e2e' },
} as const
type AccountRole = keyof typeof ACCOUNTS

/** Creates the scenario accounts through the API (an existing one is kept). */
export async function createConsoleAccounts(adminUrl: string): Promise<void> {
  for (const [role, account] of Object.entries(ACCOUNTS)) {
    const response = await post(`${adminUrl}/users`, { ...account, role })
    assert.ok([201, 409].includes(response.status), `POST /users ${role}: ${await response.text()}`)
  }
}

/** A sensor with a day of readings, one a minute, ending two minutes ago: 1,440 windows of 1 minute. */
export async function seedDayOfReadings(ingestUrl: string, sensorId: string): Promise<void> {
  const end = Math.floor(Date.now() / 60_000) * 60_000 - 120_000
  const items = Array.from({ length: 1440 }, (_, minute) => ({
    sensor_id: sensorId,
    temperature: Math.round((18 + 6 * Math.sin((minute / 1440) * 2 * Math.PI)) * 100) / 100,
    timestamp: new Date(end - (1439 - minute) * 60_000 + 15_000).toISOString(),
  }))
  const response = await post(`${ingestUrl}/measurements`, items)
  assert.equal(response.status, 202, await response.text())
}

/** A new page at `path` of the console, closed when the test ends. */
export async function openPage(
  t: TestContext,
  browser: Browser,
  target: ConsoleTarget,
  path: string,
  role: AccountRole = 'operator',
): Promise<Page> {
  const page = await newPage(browser, target.adminUrl)
  t.after(() => page.close())
  // Signed in through the API, which sets the session cookie in this browser context; the login
  // form itself has its own scenario.
  const login = await page.context().request.post(`${target.adminUrl}/auth/login`, { data: ACCOUNTS[role] })
  assert.equal(login.status(), 200, await login.text())
  await page.goto(path)
  return page
}

async function signInOnTheLoginPage(t: TestContext, browser: Browser, target: ConsoleTarget) {
  const page = await newPage(browser, target.adminUrl)
  t.after(() => page.close())
  await page.goto('/console/alerts')
  await page.getByRole('heading', { name: 'Sign in to Flowline' }).waitFor()
  await page.getByLabel('User name').fill(ACCOUNTS.viewer.username)
  await page.getByLabel('Password').fill('not the password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('alert').getByText('Wrong user name or password.').waitFor()
  await page.getByLabel('Password').fill(ACCOUNTS.viewer.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByText(`${ACCOUNTS.viewer.username} (viewer)`).waitFor()
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByRole('heading', { name: 'Sign in to Flowline' }).waitFor()
  await snapshot(page, target, 'login')
}

export async function snapshot(page: Page, target: ConsoleTarget, name: string) {
  await assertAccessible(page, name)
  if (target.screenshots) await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true })
}

const numberIn = (text: string | null) =>
  Number((text ?? '').replace(/,/g, '').match(/-?[0-9.]+/)?.[0] ?? NaN)

async function flowRatesMove(t: TestContext, browser: Browser, target: ConsoleTarget) {
  const page = await openPage(t, browser, target, '/console/')
  await page.getByRole('heading', { name: 'Flow' }).waitFor()
  const produced = page
    .getByRole('row', { name: new RegExp(`^ingest → ${target.topic} `) })
    .locator('td')
    .nth(1)
  const updated = page.getByText(/updated \d\d:\d\d:\d\d/)
  const first = await eventually(
    async () => ({ rate: numberIn(await produced.textContent()), at: await updated.textContent() }),
    (seen) => seen.rate > 0,
    'a produce rate above 0 on the ingest → topic edge',
  )
  const second = await eventually(
    async () => ({ rate: numberIn(await produced.textContent()), at: await updated.textContent() }),
    (seen) => seen.at !== first.at && seen.rate > 0,
    'the flow view updating with a new rate',
    5000,
  )
  t.diagnostic(
    `ingest → ${target.topic}: ${first.rate}/s, then ${second.rate}/s (${first.at} → ${second.at})`,
  )
  const saverRow = page.getByRole('table', { name: 'Processes' }).getByRole('row', { name: /^saver/ })
  assert.match((await saverRow.textContent()) ?? '', /up/, 'the saver shows as up')
  await snapshot(page, target, 'flow')
}

/** Sets a registered sensor's status to decommissioned as an operator would: read the ETag, PATCH with If-Match. */
async function decommission(adminUrl: string, sensorId: string): Promise<void> {
  const url = `${adminUrl}/sensors/${encodeURIComponent(sensorId)}`
  const entry = await get(url)
  assert.equal(entry.status, 200, await entry.text())
  const patched = await fetch(url, {
    method: 'PATCH',
    headers: {
      'content-type': 'application/json',
      'if-match': entry.headers.get('etag') ?? '',
      ...authHeaders(),
    },
    body: JSON.stringify({ status: 'decommissioned' }),
  })
  assert.equal(patched.status, 200, await patched.text())
}

async function searchSensors(t: TestContext, browser: Browser, target: ConsoleTarget, sensorId: string) {
  // One reading registers the sensor (ingest's default `register` policy) and lists it.
  const retired = uniqueName('retired')
  const reading = { sensor_id: retired, temperature: 21, timestamp: new Date().toISOString() }
  const sent = await post(`${target.ingestUrl}/measurements`, [reading])
  assert.equal(sent.status, 202, await sent.text())
  await decommission(target.adminUrl, retired)
  const page = await openPage(t, browser, target, '/console/sensors')
  await page.getByText(/^Sensors 1–\d+ of \d+/).waitFor()
  await snapshot(page, target, 'sensors')
  await page.getByLabel('Search sensors').fill(sensorId)
  await page.getByText(/^Sensors 1–1 of 1$/).waitFor()
  const row = page.getByRole('row', { name: new RegExp(sensorId) })
  assert.match((await row.textContent()) ?? '', /°C/, 'the row shows the last value')
  // Listed once the saver stored the reading; the page polls every 5 s.
  await page.getByLabel('Search sensors').fill(retired)
  const retiredRow = page.getByRole('row', { name: new RegExp(retired) })
  await retiredRow.getByText('decommissioned', { exact: true }).waitFor({ timeout: 60_000 })
}

async function livePointAppears(t: TestContext, browser: Browser, target: ConsoleTarget, sensorId: string) {
  // Opened by its address: the search has its own scenario.
  const page = await openPage(t, browser, target, `/console/sensors/${encodeURIComponent(sensorId)}`)
  await page.getByRole('heading', { name: `Sensor ${sensorId}` }).waitFor()
  const line = page.getByText(/^Latest reading: /)
  await line.waitFor()
  const before = (await line.textContent()) ?? ''
  const points = numberIn(before.split('·')[1] ?? '')
  const after = await eventually(
    async () => (await line.textContent()) ?? '',
    (text) => text !== before && numberIn(text.split('·')[1] ?? '') > points,
    'a new point on the live chart',
    60_000,
  )
  t.diagnostic(`live: "${before}" → "${after}"`)
  await snapshot(page, target, 'sensor')
}

/** Returns the time from the click on "1 day" to the chart drawn, in ms. */
/**
 * Times, three times, the click on "1 day" until the chart shows the day drawn: the request, the
 * merge in the database and the drawing. Between rounds "1 hour" is drawn, so each round fetches.
 */
async function dayOfWindowsDrawn(
  t: TestContext,
  browser: Browser,
  target: ConsoleTarget,
  sensorId: string,
): Promise<{ wallMs: number[]; drawText: string }> {
  const page = await openPage(t, browser, target, `/console/sensors/${sensorId}`)
  await page.getByRole('heading', { name: 'History', exact: true }).waitFor()
  const ranges = page.getByRole('group', { name: 'Time range' })
  const wallMs: number[] = []
  let drawText = ''
  for (let round = 0; round < 3; round++) {
    await ranges.getByRole('button', { name: '1 hour' }).click()
    await page.getByText(/^\d\d buckets of 1 min · drawn in \d+ ms$/).waitFor()
    const started = Date.now()
    await ranges.getByRole('button', { name: '1 day' }).click()
    const drawn = page.getByText(/^1,4\d\d buckets of 1 min · drawn in \d+ ms$/)
    await drawn.waitFor({ timeout: 10_000 })
    wallMs.push(Date.now() - started)
    drawText = (await drawn.textContent()) ?? ''
  }
  return { wallMs, drawText }
}

async function alertOpensLive(t: TestContext, browser: Browser, target: ConsoleTarget, sensorId: string) {
  const page = await openPage(t, browser, target, '/console/alerts')
  await page.getByText('Live', { exact: true }).waitFor()
  // The seeded rule: above 85 °C for 3 readings in a row.
  const now = Date.now()
  const hot = [0, 1, 2].map((i) => ({
    sensor_id: sensorId,
    temperature: 95 + i,
    timestamp: new Date(now - 3000 + i * 1000).toISOString(),
  }))
  const response = await post(`${target.ingestUrl}/measurements`, hot)
  assert.equal(response.status, 202, await response.text())
  await page
    .getByRole('status')
    .getByText(new RegExp(`Alert opened on ${sensorId}`))
    .waitFor({ timeout: 60_000 })
  const row = page.getByRole('row', { name: new RegExp(sensorId) })
  assert.match((await row.textContent()) ?? '', /open/)
  await snapshot(page, target, 'alerts')
}

/** Posts a reading for each of `sensors` every 250 ms (at most 15 minutes); the result stops it. */
export function keepPosting(ingestUrl: string, sensors: readonly string[]): () => Promise<void> {
  const stop = new AbortController()
  const loop = (async () => {
    const deadline = Date.now() + 15 * 60_000
    while (!stop.signal.aborted && Date.now() < deadline) {
      const now = new Date().toISOString()
      const items = sensors.map((sensor_id, i) => ({
        sensor_id,
        temperature: 20 + i + Math.random(),
        timestamp: now,
      }))
      await post(`${ingestUrl}/measurements`, items).catch(() => undefined)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  })()
  return async () => {
    stop.abort()
    await loop
  }
}

/** The production build the admin role serves, as `npm start` makes it (skipped when up to date). */
export async function buildConsole(): Promise<void> {
  const script = new URL('../../web/scripts/build-console.ts', import.meta.url).pathname
  await promisify(execFile)(process.execPath, [script])
}

/** Waits until the server has merged (almost) the whole seeded day into 1-minute windows. */
export async function waitForDayOfWindows(adminUrl: string, sensorId: string): Promise<number> {
  return eventually(
    async () => {
      const to = new Date().toISOString()
      const from = new Date(Date.now() - 86_400_000).toISOString()
      const response = await get(`${adminUrl}/sensors/${sensorId}/series?from=${from}&to=${to}`)
      return ((await response.json()) as { items: unknown[] }).items.length
    },
    // The day ends two minutes ago, so the first minute or three fall before "now − 24 h".
    (buckets) => buckets >= 1430,
    'the aggregator storing the day of windows',
    180_000,
  )
}

async function dayOfWindowsUnderASecond(
  t: TestContext,
  browser: Browser,
  target: ConsoleTarget,
  sensorId: string,
) {
  const buckets = await waitForDayOfWindows(target.adminUrl, sensorId)
  const { wallMs, drawText } = await dayOfWindowsDrawn(t, browser, target, sensorId)
  const drawMs = numberIn(drawText.split('drawn in')[1] ?? '')
  const median = [...wallMs].sort((a, b) => a - b)[1] ?? Number.NaN
  const apiMs = await timeSeriesRequest(target.adminUrl, sensorId)
  t.diagnostic(
    `${buckets} buckets; click on "1 day" → chart drawn: ${wallMs.join(', ')} ms; GET series alone: ${apiMs.join(', ')} ms; last draw: "${drawText}"`,
  )
  // The requirement: the chart renders the day in under a second. The whole round trip, with the
  // request and the query, gets a looser bound: the 2-core machine is shared with six other runs.
  assert.ok(drawMs < 1000, `drawing a day of 1-minute windows took ${drawMs} ms`)
  assert.ok(median < 3000, `click to chart took ${wallMs.join(', ')} ms (median ${median})`)
}

/** Times GET /sensors/{id}/series for the last day, three times, in ms. */
async function timeSeriesRequest(adminUrl: string, sensorId: string): Promise<number[]> {
  const times: number[] = []
  for (let round = 0; round < 3; round++) {
    const to = new Date().toISOString()
    const from = new Date(Date.now() - 86_400_000).toISOString()
    const started = performance.now()
    const response = await get(
      `${adminUrl}/sensors/${sensorId}/series?from=${from}&to=${to}&size=1m&points=1500`,
    )
    await response.json()
    times.push(Math.round(performance.now() - started))
  }
  return times
}

/** The console's end-to-end scenarios, the same in both modes. */
export async function runConsoleScenarios(
  t: TestContext,
  browser: Browser,
  target: ConsoleTarget,
  historySensor: string,
): Promise<void> {
  await createConsoleAccounts(target.adminUrl)
  await t.test('a person signs in on the login page, sees their role, and signs out', (t) =>
    signInOnTheLoginPage(t, browser, target),
  )
  await t.test('the flow view shows rates moving while readings arrive', (t) =>
    flowRatesMove(t, browser, target),
  )
  await t.test('the sensors list finds a sensor by part of its id', (t) =>
    searchSensors(t, browser, target, 'sensor-0003'),
  )
  await t.test('a sensor page shows a new reading as it is stored', (t) =>
    livePointAppears(t, browser, target, 'sensor-0002'),
  )
  await t.test('a day of 1-minute windows is drawn in under a second', (t) =>
    dayOfWindowsUnderASecond(t, browser, target, historySensor),
  )
  await t.test('an alert appears live when a reading crosses the threshold', (t) =>
    alertOpensLive(t, browser, target, uniqueName('hot')),
  )
  await runDataScenarios(t, browser, target)
}
