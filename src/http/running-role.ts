import type { FastifyInstance } from 'fastify'
import type { Logger } from '../observability/logger.ts'

/** A started role: what it serves, and how to stop it after it has finished its work in progress. */
export interface RunningRole {
  readonly name: string
  readonly urls: Readonly<Record<string, string>>
  close(): Promise<void>
}

/**
 * Listens, logs where, and names the URLs a person wants: the main route, Swagger UI and the
 * metrics. Port 0 takes any free port; the URLs carry the port really bound.
 */
export async function listen(
  app: FastifyInstance,
  role: string,
  host: string,
  port: number,
  logger: Logger,
  mainPath?: string,
): Promise<Record<string, string>> {
  await app.listen({ host, port })
  const address = app.server.address()
  const url =
    typeof address === 'object' && address
      ? `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`
      : String(address)
  logger.info({ url }, `${role} listening`)
  const urls: Record<string, string> = {}
  if (mainPath) {
    urls[role] = `${url}${mainPath}`
    urls[`${role} docs`] = `${url}/docs`
  }
  urls[`${role} metrics`] = `${url}/metrics`
  return urls
}
