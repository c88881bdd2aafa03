import type { Logger } from '../observability/logger.ts'

/**
 * Runs `stop` once on the first SIGINT or SIGTERM so that work in progress finishes and nothing
 * accepted is lost. A second signal exits at once; the log and the database recover on restart.
 */
export function onShutdownSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now')
      process.exit(130)
    }
    stopping = true
    logger.info({ signal }, 'draining and shutting down')
    stop().then(
      () => {
        logger.info('stopped cleanly')
        process.exit(process.exitCode ?? 0)
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', handle)
  process.on('SIGTERM', handle)
}
