import { connect, createServer } from 'node:net'

export const HOST = '127.0.0.1'

/**
 * Ports handed to child processes come from below Linux's ephemeral range (32768-60999 by
 * default): a port the OS once gave out with `listen(0)` can be taken as the source port of an
 * outgoing connection (Kafka and PostgreSQL clients open many) before the child binds it, which
 * made test files running side by side fail with EADDRINUSE.
 */
const LOW = 20_000
const SPAN = 12_000
/** Ports this process already handed out: the child may not have bound one yet. */
const handedOut = new Set<number>()

/** A loopback port that is free right now, outside the ephemeral range (bounded tries). */
export async function freePort(): Promise<number> {
  return freePortRange(1)
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, HOST, () => server.close(() => resolve(true)))
  })
}

/** `count` consecutive free ports in 20000-31999, found by trying random bases (bounded). */
export async function freePortRange(count: number, avoid: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = LOW + Math.floor(Math.random() * (SPAN - count))
    let ok = true
    for (let port = base; port < base + count && ok; port++) {
      ok = !avoid.has(port) && !handedOut.has(port) && (await portIsFree(port))
    }
    if (ok) {
      for (let port = base; port < base + count; port++) handedOut.add(port)
      return base
    }
  }
  throw new Error(`no ${count} consecutive free ports found`)
}

/** True when something accepts TCP connections on `host:port` (2 s at most). */
export function portOpen(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 })
    const done = (open: boolean) => {
      socket.destroy()
      resolve(open)
    }
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
    socket.once('timeout', () => done(false))
  })
}
