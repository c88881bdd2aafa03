import type { Config } from '../config/config.ts'
import { measurementsStream } from './definitions/measurements-stream.ts'
import { productEventsStream } from './definitions/product-events-stream.ts'
import { productsStream } from './definitions/products-stream.ts'
import { stockMovementsStream } from './definitions/stock-movements-stream.ts'
import type { AnyStreamDefinition } from './stream-definition.ts'

/** Every stream's name, in the order `--streams` lists them by default. */
export const STREAM_NAMES = ['measurements', 'products', 'product-events', 'stock-movements'] as const
export type StreamName = (typeof STREAM_NAMES)[number]

/** Every stream Flowline runs. Adding one: a definition file, a line here, its tests. */
export function allStreams(config: Config): Record<StreamName, AnyStreamDefinition> {
  return {
    measurements: measurementsStream(config.futureToleranceMs),
    products: productsStream,
    'product-events': productEventsStream,
    'stock-movements': stockMovementsStream,
  }
}

/** The streams `--streams` selects, in the registry's order. */
export function selectedStreams(config: Config): AnyStreamDefinition[] {
  const streams = allStreams(config)
  return STREAM_NAMES.filter((name) => config.streams.includes(name)).map((name) => streams[name])
}
