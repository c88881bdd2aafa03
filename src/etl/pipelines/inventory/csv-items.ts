import type { TObject, TSchema } from '@sinclair/typebox'

/**
 * A CSV row as a stream item: columns named like the payload's fields, each converted to the type
 * the payload schema declares (integer, number, boolean, a JSON object for `attributes`); an empty
 * cell leaves an optional field out. Returns the item, or the column and reason it could not be.
 */
export function csvRowToItem(
  schema: TObject,
  row: Record<string, unknown>,
): { ok: true; item: Record<string, unknown> } | { ok: false; reason: string } {
  const item: Record<string, unknown> = {}
  for (const [column, cell] of Object.entries(row)) {
    const text = typeof cell === 'string' ? cell : String(cell ?? '')
    if (text === '') continue
    const field = schema.properties[column]
    if (!field) return { ok: false, reason: `${column}: not a field of the stream's payload` }
    const converted = convert(field, text)
    if (converted === undefined)
      return { ok: false, reason: `${column}: "${text}" is not ${describe(field)}` }
    item[column] = converted
  }
  return { ok: true, item }
}

/** The JSON types a field accepts, looking through `Optional` and `Union` (e.g. integer or null). */
function typesOf(schema: TSchema): string[] {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).flatMap(typesOf)
  return typeof schema.type === 'string' ? [schema.type] : []
}

function convert(schema: TSchema, text: string): unknown {
  const types = typesOf(schema)
  if (types.includes('null') && text === 'null') return null
  if (types.includes('integer') || types.includes('number')) {
    const value = Number(text)
    return /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text) && Number.isFinite(value) ? value : undefined
  }
  if (types.includes('boolean')) return text === 'true' ? true : text === 'false' ? false : undefined
  if (types.includes('object')) {
    try {
      const value: unknown = JSON.parse(text)
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined
    } catch {
      return undefined
    }
  }
  return text
}

function describe(schema: TSchema): string {
  const types = typesOf(schema)
  if (types.includes('integer') || types.includes('number')) return 'a number'
  if (types.includes('boolean')) return 'true or false'
  if (types.includes('object')) return 'a JSON object'
  return 'valid'
}
