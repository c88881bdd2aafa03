import { trace } from '@opentelemetry/api'
import { pino } from 'pino'
import pretty from 'pino-pretty'
import { tracingActive } from './tracing.ts'

export type Logger = pino.Logger

export interface LoggerOptions {
  /** `json`, `pretty`, or `auto`: coloured lines for a person on a terminal, JSON for machines otherwise. */
  readonly format?: string
}

/** The active span's ids on every line logged inside it, so a log line leads to its trace. */
function traceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan()
  if (!span) return {}
  const { traceId, spanId } = span.spanContext()
  return { trace_id: traceId, span_id: spanId }
}

/**
 * Logs on stdout: JSON lines (pino), or pino-pretty's coloured lines on a terminal. Flow events
 * carry `topic`, `partition`, `offset`, `batchSize` and `durationMs`; with tracing on, lines
 * written inside a span carry `trace_id` and `span_id`.
 */
export function createLogger(level: string, role: string, options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'json'
  const readable = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true)
  const settings: pino.LoggerOptions = {
    level,
    base: { role },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(tracingActive() && { mixin: traceIds }),
  }
  if (!readable) return pino(settings)
  // Synchronous, on this thread: lines are not lost when the process exits, and a terminal is slow anyway.
  return pino(
    settings,
    pretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
  )
}
