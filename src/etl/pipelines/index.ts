import type { Pipeline } from '../pipeline.ts'
import { dailyRollups } from './daily-rollups.ts'
import { enrich } from './enrich.ts'
import { importInventory } from './import-inventory.ts'
import { importMeasurements } from './import-measurements.ts'

/** Every pipeline a worker runs. Adding one: a file in this folder, and a line here. */
export const PIPELINES: readonly Pipeline[] = [
  importMeasurements as unknown as Pipeline,
  enrich as unknown as Pipeline,
  dailyRollups as unknown as Pipeline,
  importInventory as unknown as Pipeline,
]
