import type { MeasurementInput } from '../../domain/measurement.ts'

const DAY_MS = 86_400_000

/** A deterministic pseudo-random source (mulberry32), so a seed replays the same run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() || Number.MIN_VALUE)) * Math.cos(2 * Math.PI * random())
}

/**
 * One simulated sensor: a daily cycle around its own mean, Gaussian noise, a slow random-walk
 * drift and rare spikes. Timestamps strictly increase, because `(sensor_id, ts)` is the
 * idempotency key and two readings of one sensor in the same millisecond would be one.
 */
export class SensorSignal {
  readonly sensorId: string
  readonly #random: () => number
  readonly #mean: number
  readonly #amplitude: number
  readonly #phase: number
  #drift = 0
  #lastMs = 0

  constructor(sensorId: string, random: () => number) {
    this.sensorId = sensorId
    this.#random = random
    this.#mean = 12 + random() * 12
    this.#amplitude = 3 + random() * 5
    this.#phase = random() * 2 * Math.PI
  }

  next(nowMs: number): MeasurementInput {
    const timestampMs = Math.max(nowMs, this.#lastMs + 1)
    this.#lastMs = timestampMs
    this.#drift += gaussian(this.#random) * 0.002
    const daily = this.#amplitude * Math.sin((2 * Math.PI * (timestampMs % DAY_MS)) / DAY_MS + this.#phase)
    const spike = this.#random() < 0.001 ? 10 + this.#random() * 20 : 0
    const temperature = this.#mean + daily + this.#drift + gaussian(this.#random) * 0.3 + spike
    return {
      sensor_id: this.sensorId,
      temperature: Math.round(temperature * 100) / 100,
      timestamp: new Date(timestampMs).toISOString(),
    }
  }
}

/** A deliberately invalid reading, of one of the kinds the ingest API must refuse. */
export function faultyReading(valid: MeasurementInput, random: () => number): Record<string, unknown> {
  const kinds = [
    () => ({ ...valid, temperature: 5000 }),
    () => ({ ...valid, temperature: -300 }),
    () => ({ temperature: valid.temperature, timestamp: valid.timestamp }),
    () => ({ ...valid, timestamp: 'yesterday at noon' }),
    () => ({ ...valid, temperature: String(valid.temperature) }),
    () => ({ ...valid, sensor_id: '' }),
  ]
  const pick = kinds[Math.floor(random() * kinds.length)] ?? kinds[0]
  return pick ? pick() : { ...valid }
}
