import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { brotliCompressSync, gzipSync } from 'node:zlib'

const web = new URL('../../web/', import.meta.url).pathname
const BUDGET_BYTES = 300 * 1024

// Initial JavaScript: the scripts index.html loads, and what they import statically
// (modulepreload). Chunks loaded on navigation (the sensor page and its chart) are not initial.
test('the console initial JavaScript is at most 300 KB gzip-compressed', async (t) => {
  await promisify(execFile)(process.execPath, [join(web, 'scripts/build-console.ts')])
  const html = await readFile(join(web, 'dist/index.html'), 'utf8')
  const scripts = [
    ...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="\/console\/([^"]+\.js)"/g),
  ].map((match) => match[1] as string)
  assert.ok(scripts.length > 0, 'index.html loads a script')
  let gzip = 0
  let brotli = 0
  let raw = 0
  for (const script of scripts) {
    const bytes = await readFile(join(web, 'dist', script))
    raw += bytes.length
    gzip += gzipSync(bytes, { level: 9 }).length
    brotli += brotliCompressSync(bytes).length
  }
  t.diagnostic(`initial JS: ${scripts.join(', ')}: ${raw} B raw, ${gzip} B gzip, ${brotli} B brotli`)
  assert.ok(gzip <= BUDGET_BYTES, `initial JS is ${gzip} B gzip, over the budget of ${BUDGET_BYTES} B`)
})
