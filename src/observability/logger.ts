import { pino } from 'pino'

export type Logger = pino.Logger

/** JSON logs on stdout. Flow events carry `topic`, `partition`, `offset`, `batchSize` and `durationMs`. */
export function createLogger(level: string, role: string): Logger {
  return pino({ level, base: { role }, timestamp: pino.stdTimeFunctions.isoTime })
}
