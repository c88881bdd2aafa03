import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, run } from './deploy-tools.ts'

/**
 * The operators' custom resources the chart renders, and the npm packages (kubernetes-models) that
 * ship their schemas: as compiled validators (types, required fields, enums) and as TypeScript
 * types, whose excess-property check rejects a field the schema does not know.
 */
const MODELS: Readonly<Record<string, string>> = {
  'kafka.strimzi.io/v1': '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
  'postgresql.cnpg.io/v1': '@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1',
}

export interface Manifest {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: { readonly name: string }
}

export function isCustomResource(manifest: Manifest): boolean {
  return manifest.apiVersion in MODELS
}

function modelPath(manifest: Manifest): string {
  const base = MODELS[manifest.apiVersion]
  if (!base) throw new Error(`no schema package for ${manifest.apiVersion}`)
  return `${base}/${manifest.kind}`
}

/** `kind/name: reason` for each custom resource the package's validator refuses. */
export async function validatorErrors(manifests: readonly Manifest[]): Promise<string[]> {
  const errors: string[] = []
  for (const manifest of manifests) {
    const module = (await import(modelPath(manifest))) as Record<
      string,
      new (
        data: unknown,
      ) => { validate(): void }
    >
    const Model = module[manifest.kind]
    if (!Model) throw new Error(`${modelPath(manifest)} has no ${manifest.kind}`)
    try {
      new Model(manifest).validate()
    } catch (error) {
      errors.push(`${manifest.kind}/${manifest.metadata.name}: ${(error as Error).message}`)
    }
  }
  return errors
}

/**
 * Type-checks each custom resource as an object literal of its schema's TypeScript type. Returns
 * tsc's errors (unknown fields, wrong types), empty when all are valid. The files live under the
 * gitignored `.flowline/` so that the packages resolve from the repository's node_modules.
 */
export function typeErrors(manifests: readonly Manifest[]): string {
  mkdirSync(join(ROOT, '.flowline'), { recursive: true })
  const dir = mkdtempSync(join(ROOT, '.flowline', 'crd-check-'))
  try {
    const lines = manifests.flatMap((manifest, index) => [
      `import type { I${manifest.kind} as T${index} } from '${modelPath(manifest)}'`,
      `// ${manifest.kind}/${manifest.metadata.name}`,
      `export const resource${index}: T${index} = ${JSON.stringify(manifest, null, 2)}`,
    ])
    writeFileSync(join(dir, 'resources.ts'), `${lines.join('\n')}\n`)
    const compilerOptions = {
      strict: true,
      noEmit: true,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      skipLibCheck: true,
      types: [],
    }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['resources.ts'] }))
    const result = run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', dir])
    return result.code === 0 ? '' : result.stdout + result.stderr
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 10 })
  }
}
