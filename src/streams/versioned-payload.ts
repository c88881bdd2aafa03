import type { TSchema } from '@sinclair/typebox'
import { Ajv, type ErrorObject } from 'ajv'
import addFormats from 'ajv-formats'
import type { Rejection } from '../roles/saver/dead-letter.ts'

/** The payload field every stream's records carry their schema version in (absent means 1). */
export const VERSION_FIELD = 'schema_version'

const ajv = new Ajv({ allErrors: false, strict: false })
addFormats.default(ajv, ['date-time'])

/** One Ajv error as the field it concerns and a reason a person can act on. */
export function describeSchemaError(error: ErrorObject): Rejection {
  const field =
    error.keyword === 'required'
      ? String(error.params.missingProperty)
      : error.keyword === 'additionalProperties'
        ? String(error.params.additionalProperty)
        : error.instancePath.split('/').slice(1).join('.') || '(item)'
  if (error.keyword === 'additionalProperties') return { field, reason: `${field} is not a known field` }
  if (error.keyword === 'required') return { field, reason: `${field} is required` }
  return { field, reason: `${field} ${error.message ?? 'is invalid'}` }
}

/**
 * The schemas of a stream's payload versions and the one function that upcasts each to the
 * newest. `check` reads the declared version, refuses an unknown one with a clear reason,
 * validates against that version's schema and returns the upcast payload.
 */
export function versionedPayload<Newest>(
  stream: string,
  schemas: Readonly<Record<number, TSchema>>,
  upcast: (version: number, payload: Record<string, unknown>) => Newest,
) {
  const validators = new Map(
    Object.entries(schemas).map(([version, schema]) => [Number(version), ajv.compile(schema)]),
  )
  const known = [...validators.keys()].sort((a, b) => a - b)
  return {
    versions: known,
    check(payload: unknown): { ok: true; value: Newest } | { ok: false; rejection: Rejection } {
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
        return { ok: false, rejection: { field: '(item)', reason: 'payload must be a JSON object' } }
      const { [VERSION_FIELD]: declared = 1, ...fields } = payload as Record<string, unknown>
      const validate = typeof declared === 'number' ? validators.get(declared) : undefined
      if (!validate)
        return {
          ok: false,
          rejection: {
            field: VERSION_FIELD,
            reason: `${VERSION_FIELD} ${JSON.stringify(declared)} is not a version of the ${stream} stream (known: ${known.join(', ')})`,
          },
        }
      if (!validate(fields)) {
        const first = validate.errors?.find((error) => error.keyword !== 'anyOf') ?? validate.errors?.[0]
        return { ok: false, rejection: first ? describeSchemaError(first) : { reason: 'payload is invalid' } }
      }
      return { ok: true, value: upcast(declared as number, fields) }
    },
  }
}
