import { trace } from '@opentelemetry/api'
import { pino } from 'pino'
import pretty from 'pino-pretty'
import { tracingActive } from './tracing.ts'

export type Logger = pino.Logger

/**
 * Fields that may hold a credential, wherever a log call puts them: never written (a request or
 * its headers logged by mistake, a body with a password, a token in an error's context).
 */
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.authorization',
  '*.cookie',
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
]

export interface LoggerOptions {
  /** `json`, `pretty`, or `auto`: coloured lines for a person on a terminal, JSON for machines otherwise. */
  readonly format?: string
  /** Where JSON lines go instead of stdout (a test's sink). */
  readonly destination?: pino.DestinationStream
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
    redact: { paths: REDACTED, censor: '[redacted]' },
    ...(tracingActive() && { mixin: traceIds }),
  }
  if (options.destination) return pino(settings, options.destination)
  if (!readable) return pino(settings)
  // Synchronous, on this thread: lines are not lost when the process exits, and a terminal is slow anyway.
  return pino(
    settings,
    pretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
  )
}
