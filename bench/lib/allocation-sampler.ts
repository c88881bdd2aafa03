/**
 * Where a running process allocates: connects to its inspector (`--inspect=HOST:PORT`, e.g. given
 * through `--ingest-node-flags`), samples every allocation for a while, garbage included (V8's
 * sampling heap profiler with the objects collected by scavenges and mark-compacts kept), and
 * prints the bytes allocated by function and by package. A CPU profile shows the garbage
 * collector's share; this shows who makes the garbage.
 *
 *   node bench/lib/allocation-sampler.ts 127.0.0.1:9339 20 [out.heapprofile]
 */

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

interface ProfileNode {
  readonly callFrame: CallFrame
  readonly selfSize: number
  readonly children: readonly ProfileNode[]
}

/** Sends one inspector command and resolves with its result. */
function commander(socket: WebSocket) {
  let nextId = 1
  const waiting = new Map<number, (result: unknown) => void>()
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: unknown }
    if (message.id === undefined) return
    if (message.error) throw new Error(`inspector: ${JSON.stringify(message.error)}`)
    waiting.get(message.id)?.(message.result)
    waiting.delete(message.id)
  })
  return <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve) => {
      const id = nextId++
      waiting.set(id, resolve as (result: unknown) => void)
      socket.send(JSON.stringify({ id, method, params }))
    })
}

/** Where a frame's code comes from: a package, Node itself, or the project's own files. */
function origin(url: string): string {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (dependency) return dependency[1] as string
  if (url === '' || url.startsWith('node:')) return '(node and V8)'
  const own = /\/(src|bench|harness)\/(.*)$/.exec(url)
  return own ? `${own[1]}/${own[2]}` : url
}

function summarise(head: ProfileNode): void {
  const byFunction = new Map<string, number>()
  const byOrigin = new Map<string, number>()
  let total = 0
  const walk = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame
    if (node.selfSize > 0) {
      const where = origin(url)
      const name = `${functionName || '(anonymous)'} ${where}${url ? `:${lineNumber + 1}` : ''}`
      byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize)
      const group = where.startsWith('src/') ? where.split('/').slice(0, 3).join('/') : where
      byOrigin.set(group, (byOrigin.get(group) ?? 0) + node.selfSize)
      total += node.selfSize
    }
    for (const child of node.children) walk(child)
  }
  walk(head)
  const print = (title: string, sizes: Map<string, number>, rows: number) => {
    console.log(`\n${title}`)
    for (const [name, bytes] of [...sizes].sort((a, b) => b[1] - a[1]).slice(0, rows))
      console.log(
        `${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${(bytes / 1e6).toFixed(0).padStart(7)} MB  ${name}`,
      )
  }
  console.log(`sampled allocations: ${(total / 1e6).toFixed(0)} MB`)
  print('by origin', byOrigin, 15)
  print('by function', byFunction, 40)
}

const [target, seconds = '20', out] = process.argv.slice(2)
if (!target) {
  console.error('usage: node bench/lib/allocation-sampler.ts HOST:PORT [seconds] [out.heapprofile]')
  process.exit(2)
}
const targets = (await (await fetch(`http://${target}/json/list`)).json()) as {
  webSocketDebuggerUrl: string
}[]
const socket = new WebSocket(targets[0]?.webSocketDebuggerUrl ?? '')
await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }))
const send = commander(socket)
await send('HeapProfiler.startSampling', {
  samplingInterval: 16_384,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
})
await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1000))
const { profile } = await send<{ profile: { head: ProfileNode } }>('HeapProfiler.stopSampling')
socket.close()
if (out) await import('node:fs/promises').then((fs) => fs.writeFile(out, JSON.stringify(profile)))
summarise(profile.head)
