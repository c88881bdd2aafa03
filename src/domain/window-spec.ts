/**
 * An event-time window size: tumbling (`1m`: back-to-back windows of one minute) or hopping
 * (`10m/5m`: ten-minute windows starting every five minutes, so each reading falls in two).
 * Windows are aligned on the Unix epoch, as PostgreSQL's `date_bin(size, ts, 'epoch')` aligns them.
 */
export interface WindowSpec {
  /** As written in settings and in the API's `size` parameter: `1m`, `1h`, `10m/5m`. */
  readonly label: string
  readonly sizeMs: number
  readonly hopMs: number
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const DURATION = /^([1-9][0-9]{0,5})([smhd])$/

/** The accepted form, for error messages and the settings' schema. */
export const WINDOW_SPEC_PATTERN = '^[1-9][0-9]{0,5}[smhd](/[1-9][0-9]{0,5}[smhd])?$'

function durationMs(text: string): number | undefined {
  const match = DURATION.exec(text)
  if (!match) return undefined
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number)
}

/** Parses `1m` or `10m/5m`; throws with the reason when the text is not a window size. */
export function parseWindowSpec(label: string): WindowSpec {
  const [size, hop, extra] = label.split('/')
  const sizeMs = durationMs(size ?? '')
  const hopMs = hop === undefined ? sizeMs : durationMs(hop)
  if (sizeMs === undefined || hopMs === undefined || extra !== undefined)
    throw new Error(`"${label}" is not a window size such as 1m, 1h or 10m/5m`)
  if (sizeMs % hopMs !== 0 || hopMs > sizeMs)
    throw new Error(`"${label}": the size of a hopping window must be a multiple of its hop`)
  return { label, sizeMs, hopMs }
}

/** Start (epoch ms) of the earliest window of `spec` that holds a reading at `tsMs`. */
export function firstWindowStart(spec: WindowSpec, tsMs: number): number {
  const lastStart = tsMs - (((tsMs % spec.hopMs) + spec.hopMs) % spec.hopMs)
  return lastStart - spec.sizeMs + spec.hopMs
}

/** End (epoch ms, exclusive) of the earliest-closing window of `spec` that holds `tsMs`. */
export function firstWindowEnd(spec: WindowSpec, tsMs: number): number {
  return firstWindowStart(spec, tsMs) + spec.sizeMs
}
