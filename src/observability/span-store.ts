import type { Context } from '@opentelemetry/api'
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace'

/** Spans kept; older ones are overwritten. At 20 measurements/s (`npm start`) that is many minutes. */
const DEFAULT_CAPACITY = 20_000

/**
 * The latest finished spans of this process, in memory, so that `npm start` can show a
 * measurement's journey with no collector running. Bounded: a ring of `capacity` spans.
 */
export class SpanStore implements SpanProcessor {
  readonly #spans: Array<ReadableSpan | undefined>
  #next = 0

  constructor(capacity = DEFAULT_CAPACITY) {
    this.#spans = new Array(capacity)
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    this.#spans[this.#next] = span
    this.#next = (this.#next + 1) % this.#spans.length
  }

  /** Newest first. */
  *spans(): Generator<ReadableSpan> {
    const size = this.#spans.length
    for (let step = 1; step <= size; step++) {
      const span = this.#spans[(this.#next - step + size) % size]
      if (span) yield span
    }
  }

  find(traceId: string, spanId: string): ReadableSpan | undefined {
    for (const span of this.spans()) {
      const context = span.spanContext()
      if (context.spanId === spanId && context.traceId === traceId) return span
    }
    return undefined
  }

  childrenOf(parent: ReadableSpan): ReadableSpan[] {
    const { spanId } = parent.spanContext()
    return [...this.spans()].filter((span) => span.parentSpanContext?.spanId === spanId)
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {
    this.#spans.fill(undefined)
  }
}
