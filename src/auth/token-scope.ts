import { productEventsStream } from '../streams/definitions/product-events-stream.ts'
import { productsStream } from '../streams/definitions/products-stream.ts'
import { stockMovementsStream } from '../streams/definitions/stock-movements-stream.ts'

/** The measurement stream's name (its definition is built from settings, so it is not a constant). */
const MEASUREMENTS = 'measurements'

/** The streams a device token may be scoped to: those ingest accepts over HTTP. */
export const INGEST_STREAMS: readonly string[] = [
  MEASUREMENTS,
  productsStream.name,
  productEventsStream.name,
  stockMovementsStream.name,
]

/** A device token's scope as asked for (API body or CLI flags). */
export interface DeviceScopeRequest {
  readonly streams?: readonly string[]
  readonly sensorIds?: readonly string[]
  readonly tag?: string
}

/**
 * Why a device token's scope cannot be, or undefined when it is fine. Without `streams` a token
 * may post measurements only (as every token before migration 0014). A token that may post
 * measurements needs exactly one sensor scope (sensor ids or a tag); one that may not has none,
 * since nothing would check it.
 */
export function deviceScopeProblem(scope: DeviceScopeRequest): string | undefined {
  const streams = scope.streams ?? [MEASUREMENTS]
  if (streams.length === 0) return 'streams: name at least one stream'
  const unknown = streams.filter((stream) => !INGEST_STREAMS.includes(stream))
  if (unknown.length > 0)
    return `streams: ${unknown.join(', ')} is not a stream (known: ${INGEST_STREAMS.join(', ')})`
  const sensorScopes = (scope.sensorIds === undefined ? 0 : 1) + (scope.tag === undefined ? 0 : 1)
  if (streams.includes(MEASUREMENTS) && sensorScopes !== 1)
    return 'a device token for measurements needs exactly one sensor scope, sensor_ids or tag'
  if (!streams.includes(MEASUREMENTS) && sensorScopes !== 0)
    return 'sensor_ids and tag scope measurements; this token may not post measurements'
  return undefined
}
