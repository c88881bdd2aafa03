import { rawRequest } from './raw-http.ts'

/** A session token signed with `alg: none`: it must be refused like no credential at all. */
const UNSIGNED_JWT = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
  JSON.stringify({
    sub: 'admin',
    role: 'admin',
    ver: 0,
    iss: 'flowline',
    aud: 'flowline-admin',
    exp: 4_102_444_800,
  }),
).toString('base64url')}.`

export const HOSTILE_CREDENTIALS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  none: {},
  'alg none token': { authorization: `Bearer ${UNSIGNED_JWT}` },
  'made-up device token': { authorization: `Bearer flt_aaaaaaaaaaaa_${'A'.repeat(43)}` },
  'made-up cookie': { cookie: `flowline_session=${UNSIGNED_JWT}` },
  'Basic credentials': { authorization: 'Basic YWRtaW46YWRtaW4=' },
}

export interface SweepResult {
  readonly requests: number
  /** `METHOD path (credential) → status` for every answer that let the request through. */
  readonly leaks: readonly string[]
}

/**
 * Every operation of an app's OpenAPI document, without a valid credential: no answer may be
 * 2xx, and each documented route must answer 401 (the probes and /docs are not in the document).
 */
export async function unauthenticatedSweep(port: number): Promise<SweepResult> {
  // An ordinary client for the document: rawRequest keeps only the first 2,000 characters of a body.
  const docs = await fetch(`http://127.0.0.1:${port}/docs/json`)
  const spec = (await docs.json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> }
  const leaks: string[] = []
  let requests = 0
  for (const [template, operations] of Object.entries(spec.paths)) {
    const path = template.replace(/\{[^}]+\}/g, 'fzsweep00001')
    for (const [method, operation] of Object.entries(operations)) {
      const isPublic = Array.isArray(operation.security) && operation.security.length === 0
      for (const [name, headers] of Object.entries(HOSTILE_CREDENTIALS)) {
        const upper = method.toUpperCase()
        const withBody = upper === 'POST' || upper === 'PATCH' || upper === 'PUT'
        const response = await rawRequest(port, {
          method: upper,
          path,
          headers: withBody ? { 'content-type': 'application/json', ...headers } : headers,
          body: withBody ? '{}' : undefined,
        })
        requests += 1
        const through = response.status >= 200 && response.status < 300
        if (through || (!isPublic && response.status !== 401))
          leaks.push(`${upper} ${path} (${name}) → ${response.status || response.error}`)
      }
    }
  }
  return { requests, leaks }
}
