import type { RunView } from '../etl/run-repository.ts'

/** Where the ETL API is, and the bearer token sent to it (`--api-token`; empty: none). */
export interface EtlTarget {
  readonly url: string
  readonly token: string
}

const authorization = (target: EtlTarget): Record<string, string> =>
  target.token ? { authorization: `Bearer ${target.token}` } : {}

/**
 * The one place the CLI talks to the ETL API, so credentials can be added in one place. It
 * answers the parsed body, or throws with the API's own message.
 */
export async function etlRequest<T>(
  target: EtlTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<T> {
  const baseUrl = target.url
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: {
      ...authorization(target),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((error: Error) => {
    throw new Error(
      `cannot reach the ETL API at ${baseUrl} (${error.message}); is \`flowline etl worker\` running? (--etl-url, ETL_URL)`,
    )
  })
  const text = await response.text()
  if (!response.ok) {
    const message = (() => {
      try {
        return (JSON.parse(text) as { message?: string }).message ?? text
      } catch {
        return text
      }
    })()
    throw new Error(`${response.status}: ${message}`)
  }
  return (response.headers.get('content-type') ?? '').includes('json') ? (JSON.parse(text) as T) : (text as T)
}

/** Reads a run's server-sent events until it ends; calls `onRun` with each change. */
export async function followRun(
  target: EtlTarget,
  id: string,
  onRun: (run: RunView) => void,
  onLog: (line: { at: string; level: string; message: string }) => void,
): Promise<void> {
  const response = await fetch(new URL(`/etl/runs/${id}/events`, target.url), {
    headers: authorization(target),
  })
  if (!response.ok || !response.body) throw new Error(`${response.status}: cannot follow run ${id}`)
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true })
    let end = buffer.indexOf('\n\n')
    while (end !== -1) {
      const message = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      end = buffer.indexOf('\n\n')
      const event = /^event: (.*)$/m.exec(message)?.[1]
      const data = /^data: (.*)$/m.exec(message)?.[1]
      if (!event || data === undefined) continue
      if (event === 'run') onRun(JSON.parse(data) as RunView)
      else if (event === 'log') onLog(JSON.parse(data))
      else if (event === 'end') return
    }
  }
}
