import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { TestContext } from 'node:test'
import { type Browser, chromium, type Page } from 'playwright-core'

/** Debian's chromium package (`apt-get install -y chromium`; .ci/run installs it). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
]

/** A headless Chromium for one test file, closed when the test ends. */
export async function launchBrowser(t: Pick<TestContext, 'after'>): Promise<Browser> {
  let browser: Browser
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
  } catch (error) {
    throw new Error(
      `Chromium did not start from ${CHROMIUM} (install it: apt-get install -y chromium): ${(error as Error).message}`,
    )
  }
  t.after(() => browser.close())
  return browser
}

export async function newPage(browser: Browser, baseURL: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1360, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(60_000)
  return page
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** Runs axe-core on the page as it is now; fails on any serious or critical violation, naming them. */
export async function assertAccessible(page: Page, name: string): Promise<void> {
  await page.addScriptTag({ content: await axeSource })
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run: (context?: unknown) => Promise<{ violations: unknown[] }> } }
    ).axe
    const result = await axe.run(undefined)
    return (
      result.violations as { id: string; impact: string; help: string; nodes: { target: string[] }[] }[]
    ).map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.slice(0, 3).map((node) => node.target.join(' ')),
    }))
  })
  const blocking = violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  )
  assert.deepEqual(blocking, [], `axe-core on the ${name} page: ${JSON.stringify(blocking, null, 2)}`)
}

/** Polls `read` until `accept` holds, or fails with the last value seen after `timeoutMs`. */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T | undefined
  for (let attempt = 0; Date.now() < deadline && attempt < 10_000; attempt++) {
    last = await read()
    if (accept(last)) return last
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`${what}: not seen in ${timeoutMs} ms; last value ${JSON.stringify(last)}`)
}
