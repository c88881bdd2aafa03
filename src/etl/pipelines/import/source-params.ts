import { type TLiteral, Type } from '@sinclair/typebox'

/** A string parameter taking one of `values`, `fallback` when absent. */
export const oneOf = <const T extends string>(values: readonly T[], fallback: T) =>
  Type.Union(values.map((value) => Type.Literal(value)) as TLiteral<T>[], {
    default: fallback,
    description: `one of ${values.join(', ')}`,
  })

/** The parameters every file import shares: where the file is, how it is compressed and delimited. */
export const sourceParams = {
  source: Type.String({ minLength: 1, description: 'a file under ETL_IMPORT_DIR, or an http(s):// URL' }),
  compression: oneOf(['auto', 'gzip', 'none'], 'auto'),
  delimiter: Type.String({ minLength: 1, maxLength: 1, default: ',', description: 'one character' }),
}

/** The import's policy: retried twice (a URL or the database may come back), runs may overlap. */
export const importRunPolicy = {
  retry: { limit: 2, delaySeconds: 5, backoff: true },
  concurrency: 'unlimited',
  progressUnit: 'bytes',
  timeoutSeconds: 6 * 3600,
} as const
