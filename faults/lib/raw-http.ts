import { connect } from 'node:net'

export interface RawRequest {
  readonly method: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: Buffer | string
  /** Content-Length to announce instead of the body's real length (a lying client). */
  readonly contentLength?: number
  /** Send the body chunked instead of with a Content-Length. */
  readonly chunked?: boolean
}

export interface RawResponse {
  /** 0 when no status line came back (connection closed or timed out). */
  readonly status: number
  readonly body: string
  readonly error: string | null
}

/**
 * One HTTP/1.1 request written byte by byte on a fresh connection, so that a fuzz case can send
 * exactly what a broken or hostile client would: invalid UTF-8, a false length, huge headers.
 */
export function rawRequest(port: number, request: RawRequest, timeoutMs = 15_000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const body =
      typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : (request.body ?? Buffer.alloc(0))
    const headers: Record<string, string> = {
      host: `127.0.0.1:${port}`,
      connection: 'close',
      ...request.headers,
    }
    if (request.chunked) headers['transfer-encoding'] = 'chunked'
    else if (request.body !== undefined || request.contentLength !== undefined)
      headers['content-length'] = String(request.contentLength ?? body.length)
    const head = `${request.method} ${request.path} HTTP/1.1\r\n${Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')}\r\n`
    const chunks: Buffer[] = []
    let settled = false
    const socket = connect({ host: '127.0.0.1', port })
    const finish = (error: string | null) => {
      if (settled) return
      settled = true
      socket.destroy()
      const text = Buffer.concat(chunks).toString('utf8')
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text)
      const separator = text.indexOf('\r\n\r\n')
      resolve({
        status: match ? Number(match[1]) : 0,
        body: separator >= 0 ? text.slice(separator + 4, separator + 4 + 2000) : '',
        error: match ? null : (error ?? 'no status line'),
      })
    }
    let failure: string | null = null
    socket.setTimeout(timeoutMs, () => finish('timeout'))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    // A server that answers early (413) and closes makes our write fail with EPIPE or ECONNRESET;
    // its answer may still be in the socket, so wait for 'close' before judging.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      failure = error.code ?? error.message
    })
    socket.on('close', () => finish(failure))
    socket.on('connect', () => {
      socket.write(head)
      if (request.chunked) {
        for (let at = 0; at < body.length; at += 64 * 1024) {
          const piece = body.subarray(at, at + 64 * 1024)
          socket.write(`${piece.length.toString(16)}\r\n`)
          socket.write(piece)
          socket.write('\r\n')
        }
        socket.write('0\r\n\r\n')
      } else if (body.length > 0) socket.write(body)
    })
  })
}
