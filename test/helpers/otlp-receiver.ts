import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'

type Attributes = Record<string, unknown>

/** A span as the test sees it: ids in hex, attributes decoded from OTLP's typed values. */
export interface ReceivedSpan {
  readonly service: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string
  readonly name: string
  /** OTLP's SpanKind: 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number
  readonly attributes: Attributes
  readonly events: ReadonlyArray<{ readonly name: string }>
  readonly links: ReadonlyArray<{
    readonly traceId: string
    readonly spanId: string
    readonly attributes: Attributes
  }>
}

interface OtlpValue {
  stringValue?: string
  intValue?: string | number
  doubleValue?: number
  boolValue?: boolean
  arrayValue?: { values?: OtlpValue[] }
}
type OtlpAttributes = Array<{ key: string; value: OtlpValue }> | undefined

function decodeValue(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue
  if (value.intValue !== undefined) return Number(value.intValue)
  if (value.doubleValue !== undefined) return value.doubleValue
  if (value.boolValue !== undefined) return value.boolValue
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(decodeValue)
  return undefined
}

const decode = (attributes: OtlpAttributes): Attributes =>
  Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, decodeValue(value)]))

/**
 * An OTLP/HTTP trace receiver of the test's own, decoding the JSON encoding that
 * @opentelemetry/exporter-trace-otlp-http sends. Closed when the test ends.
 */
export async function startOtlpReceiver(t: { after: TestContext['after'] }) {
  const spans: ReceivedSpan[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      if (request.url !== '/v1/traces' || !request.headers['content-type']?.includes('json')) {
        response.writeHead(415).end()
        return
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service = String(decode(resourceSpans.resource?.attributes)['service.name'])
        for (const scopeSpans of resourceSpans.scopeSpans ?? [])
          for (const span of scopeSpans.spans ?? [])
            spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? '',
              name: span.name,
              kind: span.kind,
              attributes: decode(span.attributes),
              events: span.events ?? [],
              links: (span.links ?? []).map(
                (link: { traceId: string; spanId: string; attributes: OtlpAttributes }) => ({
                  traceId: link.traceId,
                  spanId: link.spanId,
                  attributes: decode(link.attributes),
                }),
              ),
            })
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    /** The first span `match` accepts, waiting for exports up to `timeoutMs`. */
    async waitFor(
      what: string,
      match: (span: ReceivedSpan) => boolean,
      timeoutMs = 45_000,
    ): Promise<ReceivedSpan> {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const found = spans.find(match)
        if (found) return found
        await sleep(200)
      }
      throw new Error(
        `no ${what} among ${spans.length} spans received: ${spans.map((span) => span.name).join(', ')}`,
      )
    },
  }
}
