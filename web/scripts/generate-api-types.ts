/**
 * Writes web/src/api/schema.d.ts, the console's API types, from the admin role's OpenAPI document.
 * `--check` writes nothing and exits 1 when the file is not what the API describes now, so a
 * changed endpoint shows up as a failing test (and then as type errors in the pages using it).
 *
 * Run with `npm run web:api` from the repository root.
 */
import { readFile, writeFile } from 'node:fs/promises'
import openapiTS, { astToString } from 'openapi-typescript'
import { adminOpenApiDocument } from '../../src/roles/admin/openapi-document.ts'

const target = new URL('../src/api/schema.d.ts', import.meta.url)

export async function generatedApiTypes(): Promise<string> {
  const document = await adminOpenApiDocument()
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0])
  return `// Generated from the admin role's OpenAPI document by web/scripts/generate-api-types.ts.\n// Do not edit: run \`npm run web:api\`.\n\n${astToString(ast)}`
}

const text = await generatedApiTypes()
if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '')
  if (current !== text) {
    process.stderr.write('web/src/api/schema.d.ts is stale: run `npm run web:api`\n')
    process.exit(1)
  }
} else {
  await writeFile(target, text)
}
