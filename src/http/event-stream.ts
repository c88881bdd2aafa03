import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** A server-sent events response: `send` writes one event, `closed` tells when the client left. */
export interface EventStream {
  send(event: string, data: unknown): void
  readonly closed: AbortSignal
}

/**
 * Opens a text/event-stream answer on the raw socket. A comment line every 15 s keeps proxies
 * from closing an idle stream; the client's EventSource reconnects on its own after a drop.
 */
export function openEventStream(request: FastifyRequest, reply: FastifyReply): EventStream {
  reply.hijack()
  const raw = reply.raw
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  })
  raw.write('retry: 2000\n\n')
  const closed = new AbortController()
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 15_000)
  heartbeat.unref()
  request.raw.once('close', () => {
    clearInterval(heartbeat)
    closed.abort()
  })
  return {
    closed: closed.signal,
    send(event, data) {
      if (!closed.signal.aborted) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    },
  }
}

/**
 * Calls `poll` every `intervalMs` until the client leaves, one call at a time. A failed poll (the
 * database away for a moment) is reported to `onError` and tried again at the next tick.
 */
export async function pollWhileOpen(
  stream: EventStream,
  intervalMs: number,
  poll: () => Promise<void>,
  onError: (error: unknown) => void,
): Promise<void> {
  while (!stream.closed.aborted) {
    try {
      await poll()
    } catch (error) {
      onError(error)
    }
    // Wakes early when the client leaves; the rejection of an aborted sleep is that wake-up.
    await sleep(intervalMs, undefined, { signal: stream.closed }).catch(() => {})
  }
}
