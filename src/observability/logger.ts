import { pino } from 'pino'

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

/** JSON logs on stdout. Flow events carry `topic`, `partition`, `offset`, `batchSize` and `durationMs`. */
export function createLogger(level: string, role: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: { role },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED, censor: '[redacted]' },
  }
  return destination ? pino(options, destination) : pino(options)
}
