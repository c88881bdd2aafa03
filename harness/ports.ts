import { connect, createServer } from 'node:net'

export const HOST = '127.0.0.1'

/** A loopback port the OS says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, HOST, () => server.close(() => resolve(true)))
  })
}

/** `count` consecutive free ports in 20000-59999, found by trying random bases (bounded). */
export async function freePortRange(count: number, avoid: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000)
    let ok = true
    for (let port = base; port < base + count && ok; port++) {
      ok = !avoid.has(port) && (await portIsFree(port))
    }
    if (ok) return base
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
