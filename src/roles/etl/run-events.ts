import type { FastifyReply } from 'fastify'
import { FINISHED, type RunRepository } from '../../etl/run-repository.ts'

const POLL_MS = 500
/** A stream ends after a day even if its run does not: every loop bounded in time. */
const MAX_STREAM_MS = 24 * 3600_000

/**
 * Streams a run as server-sent events: `run` whenever it changes, `log` for each new log line,
 * and `end` once it has finished. The worker writes the run every 500 ms; this reads it at the
 * same pace, so a stream costs one small query per half second.
 */
export async function streamRunEvents(
  reply: FastifyReply,
  repository: RunRepository,
  runId: string,
): Promise<void> {
  reply.hijack()
  const response = reply.raw
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  })
  let open = true
  response.on('close', () => {
    open = false
  })
  const send = (event: string, data: unknown) =>
    response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  let last = ''
  let lastLogId = 0
  const deadline = Date.now() + MAX_STREAM_MS
  try {
    while (open && Date.now() < deadline) {
      const run = await repository.get(runId)
      if (!run) break
      for (const line of await repository.logs(runId, lastLogId)) {
        send('log', line)
        lastLogId = line.id
      }
      const json = JSON.stringify(run)
      if (json !== last) {
        send('run', run)
        last = json
      }
      if (FINISHED.includes(run.status)) {
        send('end', { status: run.status })
        break
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  } catch (error) {
    send('error', { code: 'INTERNAL', message: 'the run could not be read; see the server log' })
    reply.log.error({ err: error, runId }, 'run events failed')
  } finally {
    response.end()
  }
}
