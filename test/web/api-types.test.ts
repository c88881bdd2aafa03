import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { promisify } from 'node:util'

// The console's API types are generated from the admin role's OpenAPI document. When an endpoint
// changes without `npm run web:api`, this fails; after regenerating, the type check points at every
// page that used the old shape.
test('web/src/api/schema.d.ts matches the admin OpenAPI document', async () => {
  const script = new URL('../../web/scripts/generate-api-types.ts', import.meta.url).pathname
  const result = await promisify(execFile)(process.execPath, [script, '--check']).catch(
    (error: { code: number; stderr: string }) => error,
  )
  assert.equal('code' in result ? result.code : 0, 0, 'stderr' in result ? result.stderr : '')
})
