/** A started role: what it serves, and how to stop it after it has finished its work in progress. */
export interface RunningRole {
  readonly name: string
  readonly urls: Readonly<Record<string, string>>
  close(): Promise<void>
}

/** Base URL of a listening Fastify app, with the port it really got (0 means any free port). */
export function baseUrl(address: { address: string; port: number } | string | null): string {
  if (address === null || typeof address === 'string') return String(address)
  const host = address.address.includes(':') ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}`
}
