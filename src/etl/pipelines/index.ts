import type { Pipeline } from '../pipeline.ts'
import { importMeasurements } from './import-measurements.ts'

/** Every pipeline a worker runs. Adding one: a file in this folder, and a line here. */
export const PIPELINES: readonly Pipeline[] = [importMeasurements as unknown as Pipeline]
