import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { tracer, tracingActive } from './tracing.ts'

/**
 * A client span for a statement that already ran, inside the active span, recorded from Kysely's
 * log for PostgreSQL (`pg`) and PGlite alike. Outside a sampled span it costs one lookup: the pg
 * instrumentation it replaces hooked every pool checkout and query whatever the sampling.
 */
export function recordSqlSpan(
  system: 'pg' | 'pglite',
  sqlText: string,
  durationMs: number,
  failed: boolean,
): void {
  if (!tracingActive() || !trace.getActiveSpan()?.isRecording()) return
  const end = Date.now()
  const text = sqlText.replace(/\s+/g, ' ').trim()
  const operation = text.split(' ', 1)[0]?.toUpperCase() ?? 'SQL'
  const span = tracer().startSpan(
    `${system}.query:${operation}`,
    {
      kind: SpanKind.CLIENT,
      startTime: end - durationMs,
      attributes: {
        'db.system.name': 'postgresql',
        'db.operation.name': operation,
        'db.query.text': text.slice(0, 1000),
      },
    },
    context.active(),
  )
  if (failed) span.setStatus({ code: SpanStatusCode.ERROR })
  span.end(end)
}
