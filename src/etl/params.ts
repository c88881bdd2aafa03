import type { TObject } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { FlowlineError } from '../errors.ts'

/**
 * Checks a run's parameters against its pipeline's schema, after converting strings
 * (`--param k=v` gives only strings) to the declared types and filling defaults. A bad one is
 * refused with its name and what is accepted.
 */
export function validateParams(pipeline: string, schema: TObject, raw: Record<string, unknown>) {
  const unknown = Object.keys(raw).filter((key) => !(key in schema.properties))
  if (unknown.length > 0)
    throw new FlowlineError(
      'VALIDATION_FAILED',
      `Pipeline ${pipeline}: unknown parameter ${unknown.join(', ')} (accepted: ${Object.keys(schema.properties).join(', ')})`,
    )
  const value = Value.Default(schema, Value.Convert(schema, structuredClone(raw)))
  const errors = [...Value.Errors(schema, value)]
  if (errors.length > 0) {
    const detail = errors
      .slice(0, 5)
      .map((error) => `${error.path.slice(1) || '(params)'}: ${error.schema.description ?? error.message}`)
      .join('; ')
    throw new FlowlineError('VALIDATION_FAILED', `Pipeline ${pipeline}: bad parameters: ${detail}`)
  }
  return value as Record<string, unknown>
}
