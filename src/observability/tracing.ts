import {
  type Attributes,
  type Context,
  context,
  type Link,
  propagation,
  SpanKind,
  trace,
} from '@opentelemetry/api'
import type { Sampler } from '@opentelemetry/sdk-trace'
import type { SpanStore } from './span-store.ts'

export interface TracingSettings {
  /** `service.name` of the spans, e.g. `flowline-ingest`; OTEL_SERVICE_NAME overrides it. */
  readonly serviceName: string
  /** OTLP/HTTP collector base URL (`/v1/traces` is added); empty for no export. */
  readonly otlpEndpoint: string
  /** Share of new traces sampled, 0 to 1. */
  readonly sampleRatio: number
  /** Keep the latest spans in memory for the journey view. */
  readonly store: boolean
}

/** Tracing as a process runs it: off (the API's no-op tracer) or on with its span store. */
export interface Tracing {
  readonly enabled: boolean
  readonly store: SpanStore | undefined
  shutdown(): Promise<void>
}

/**
 * Read on the hot paths before anything else: with tracing off, ingest and the saver skip every
 * span, header and context call, so the only cost is this boolean.
 */
let active = false
let sampleRatio = 0
let spanStore: SpanStore | undefined

export function tracingActive(): boolean {
  return active
}

/** Share of new traces sampled (`--trace-sample-ratio`), drawn at the door of the HTTP servers. */
export function tracingSampleRatio(): number {
  return sampleRatio
}

/** The in-process span store, when `--trace-store` is on in this process. */
export function activeSpanStore(): SpanStore | undefined {
  return spanStore
}

export const tracer = () => trace.getTracer('flowline')

/** Names the HTTP server span after its route (`POST /measurements`), as the HTTP conventions ask. */
export function nameServerSpan(method: string, route: string | undefined): void {
  if (route === undefined) return
  const span = trace.getActiveSpan()
  span?.setAttribute('http.route', route)
  span?.updateName(`${method} ${route}`)
}

/** Most links on one consumer batch span: one per sampled producer context, so at most one per record of a batch (5,000). */
const MAX_LINKS = 5000

type SdkTrace = typeof import('@opentelemetry/sdk-trace')

/**
 * A consumer's batch span has no parent but links to the records' producer spans. It is sampled
 * when any of them is, so a sampled measurement's journey never stops at the consumer. An HTTP
 * server span without a parent was sampled at the door (`sampledAtTheDoor`). Otherwise the ratio
 * decides, as for any new trace.
 */
function linkAwareRatioSampler(sdk: SdkTrace, ratio: number): Sampler {
  const byRatio = new sdk.TraceIdRatioBasedSampler(ratio)
  return {
    shouldSample(
      ctx: Context,
      traceId: string,
      _name: string,
      kind: SpanKind,
      _attributes: Attributes,
      links: Link[],
    ) {
      if (kind === SpanKind.SERVER || links.some((link) => (link.context.traceFlags & 1) === 1))
        return { decision: sdk.SamplingDecision.RECORD_AND_SAMPLED }
      return byRatio.shouldSample(ctx, traceId)
    },
    toString: () => `LinkAwareRatioSampler{${byRatio.toString()}}`,
  }
}

/**
 * Starts OpenTelemetry for this process: W3C trace context, parent-based sampling at the given
 * ratio, OTLP/HTTP export and the span store as asked. With no endpoint, no store and a ratio of 0
 * nothing is installed: tracing is off.
 *
 * No instrumentation is registered: Flowline's own spans cover each hop (HTTP server spans in
 * `http-server-spans.ts`, the log in `messaging-spans.ts`, SQL from Kysely's log in `sql-spans.ts`),
 * and cost nothing for what is not sampled. The HTTP and pg instrumentations did work on every
 * request, pool checkout and query, sampled or not.
 */
export async function startTracing(settings: TracingSettings): Promise<Tracing> {
  if (settings.otlpEndpoint === '' && !settings.store && settings.sampleRatio === 0)
    return { enabled: false, store: undefined, shutdown: async () => {} }
  // Loaded only when tracing is on: the SDK and exporter take seconds to import
  // on a busy machine, which a process that does not trace should not pay at start.
  const [
    sdk,
    { OTLPTraceExporter },
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    resources,
    { SpanStore },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('./span-store.ts'),
  ])
  const processors: import('@opentelemetry/sdk-trace').SpanProcessor[] = []
  if (settings.otlpEndpoint !== '') {
    const url = `${settings.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`
    processors.push(
      new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }), maxQueueSize: 8192 }),
    )
  }
  const store = settings.store ? new SpanStore() : undefined
  if (store) processors.push(store)
  const detected = resources.detectResources({ detectors: [resources.envDetector] })
  await detected.waitForAsyncAttributes?.()
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': settings.serviceName }).merge(detected),
    sampler: new sdk.ParentBasedSampler({ root: linkAwareRatioSampler(sdk, settings.sampleRatio) }),
    spanLimits: { linkCountLimit: MAX_LINKS },
    spanProcessors: processors,
  })
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  trace.setGlobalTracerProvider(provider)
  active = true
  sampleRatio = settings.sampleRatio
  spanStore = store
  return {
    enabled: true,
    store,
    async shutdown() {
      active = false
      sampleRatio = 0
      spanStore = undefined
      await provider.shutdown().catch(() => {})
      trace.disable()
      propagation.disable()
      context.disable()
    },
  }
}
