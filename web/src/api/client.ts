import createClient from 'openapi-fetch'
import type { paths } from './schema'

/** Raised for an answer that is not 2xx, with the API's `{ code, message }`. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** Fired when the server answers 401: the session ended, the app goes back to the login page. */
export const UNAUTHORIZED_EVENT = 'flowline:unauthorized'

/** The typed client of the admin API: paths, parameters and bodies come from its OpenAPI document. */
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' })
api.use({
  onResponse({ response }) {
    if (response.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT))
  },
})

/** The body of a successful answer, or an ApiError naming what went wrong. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call
  if (response.ok && data !== undefined) return data
  const body = (error ?? {}) as { code?: string; message?: string }
  throw new ApiError(response.status, body.code ?? 'HTTP_ERROR', body.message ?? `HTTP ${response.status}`)
}

/** The JSON body of a path's 200 answer to GET. */
export type Ok<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer Body } } } }
}
  ? Body
  : never
