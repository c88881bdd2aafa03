import { newToken } from '../src/auth/secret-tokens.ts'

/**
 * The one credential tests, benchmarks and fault runs use: an admin API key made up once per
 * process. Every role the harness starts receives it as FLOWLINE_BOOTSTRAP_API_KEY (stored,
 * hashed, at start), and the simulator as its device token; an admin may call every route,
 * ingest included. In-process apps get it through `testConfig` (test/helpers/pipeline.ts).
 */
export const HARNESS_API_KEY = process.env.FLOWLINE_HARNESS_API_KEY ?? newToken('api_key').token
// Child processes (load generators, a suite's scenarios) inherit the same key.
process.env.FLOWLINE_HARNESS_API_KEY = HARNESS_API_KEY

/** Headers that authenticate a request as the harness's admin key. */
export function authHeaders(): Record<string, string> {
  return { authorization: `Bearer ${HARNESS_API_KEY}` }
}

/** Environment for a `flowline` process started by the harness. */
export const credentialEnv: Readonly<Record<string, string>> = {
  FLOWLINE_BOOTSTRAP_API_KEY: HARNESS_API_KEY,
  FLOWLINE_DEVICE_TOKEN: HARNESS_API_KEY,
}
