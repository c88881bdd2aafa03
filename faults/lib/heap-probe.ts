/**
 * Measures what a role process really retains: through the V8 inspector (the process runs with
 * `--inspect=127.0.0.1:<port>`), it forces a full garbage collection and reads the heap in use.
 * Resident memory alone moves with the collector's schedule (V8 lets the heap grow between major
 * collections), so only the heap after a forced collection tells a leak from a sawtooth.
 */
export class HeapProbe {
  readonly #socket: WebSocket
  readonly #pending = new Map<number, (result: unknown) => void>()
  #nextId = 1

  private constructor(socket: WebSocket) {
    this.#socket = socket
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown }
      if (message.id !== undefined) {
        this.#pending.get(message.id)?.(message.result)
        this.#pending.delete(message.id)
      }
    })
  }

  static async connect(inspectPort: number): Promise<HeapProbe> {
    const targets = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as {
      webSocketDebuggerUrl: string
    }[]
    const url = targets[0]?.webSocketDebuggerUrl
    if (!url) throw new Error(`no inspector target on port ${inspectPort}`)
    const socket = new WebSocket(url)
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true })
      socket.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), { once: true })
    })
    return new HeapProbe(socket)
  }

  #call(method: string, timeoutMs = 10_000): Promise<unknown> {
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new Error(`${method} timed out`))
      }, timeoutMs)
      this.#pending.set(id, (result) => {
        clearTimeout(timer)
        resolve(result)
      })
      this.#socket.send(JSON.stringify({ id, method }))
    })
  }

  /** Heap in use right after a full collection, in MiB. */
  async liveHeapMiB(): Promise<number> {
    await this.#call('HeapProfiler.collectGarbage')
    const usage = (await this.#call('Runtime.getHeapUsage')) as { usedSize: number }
    return Math.round(usage.usedSize / 104_857.6) / 10
  }

  close(): void {
    this.#socket.close()
  }
}
