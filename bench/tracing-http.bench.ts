/**
 * What tracing costs one HTTP request on its own: CPU per request of a Fastify server (a POST of
 * 100 measurements, parsed, answered 202) with tracing off, at a ratio, or at 100 %, the spans
 * going to nowhere (no exporter, no store), on the traced server the roles use. Client and server share this process, so the
 * difference between modes is what tracing adds; run the modes interleaved, one process each.
 *
 *   node bench/tracing-http.bench.ts <off|import|ratio> [requests=20000]
 *   (`import`: the OpenTelemetry packages loaded, nothing registered)
 *   for r in 1 2 3; do for m in off 0.01 1; do node bench/tracing-http.bench.ts $m; done; done
 */
import { tracedServerOptions } from '../src/observability/http-server-spans.ts'
import { startTracing } from '../src/observability/tracing.ts'

const mode = process.argv[2] ?? 'off'
const requests = Number(process.argv[3] ?? 20_000)
const ratio = mode === 'off' || mode === 'import' ? 0 : Number(mode)
// `import`: the OpenTelemetry packages loaded, nothing registered (tracing stays off).
if (mode === 'import')
  await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
  ])
const tracing = await startTracing({
  serviceName: 'bench',
  otlpEndpoint: '',
  sampleRatio: ratio,
  store: false,
})
const { default: Fastify } = await import('fastify')
const { Pool } = await import('undici')

// The traced server of the roles' apps (src/http/http-app.ts).
const app = Fastify({ ...tracedServerOptions() })
app.post('/measurements', async (request, reply) =>
  reply.code(202).send({ accepted: (request.body as unknown[]).length }),
)
await app.listen({ port: 0, host: '127.0.0.1' })
const { port } = app.server.address() as { port: number }
const body = JSON.stringify(
  Array.from({ length: 100 }, (_, i) => ({
    sensor_id: `s-${i}`,
    temperature: 20,
    timestamp: Date.now() - i,
  })),
)
const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 8 })
const send = () =>
  pool
    .request({ method: 'POST', path: '/measurements', body, headers: { 'content-type': 'application/json' } })
    .then((response) => response.body.dump())
const run = async (count: number) => {
  let next = 0
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < count) await send()
    }),
  )
}
await run(2000) // warm-up: JIT, connections
// GC pauses and the main thread apart from the process: a cost that follows the code loaded rather
// than the code run shows in the GC helper threads (marking a larger heap), not on the main thread.
let gcMs = 0
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration
})
gcObserver.observe({ entryTypes: ['gc'] })
const before = process.cpuUsage()
const threadBefore = process.threadCpuUsage()
const started = performance.now()
await run(requests)
const cpu = process.cpuUsage(before)
const threadCpu = process.threadCpuUsage(threadBefore)
gcObserver.disconnect()
const seconds = (performance.now() - started) / 1000
await pool.close()
await app.close()
await tracing.shutdown()
console.log(
  JSON.stringify({
    mode,
    requests,
    cpuMicrosPerRequest: Number(((cpu.user + cpu.system) / requests).toFixed(1)),
    mainThreadMicrosPerRequest: Number(((threadCpu.user + threadCpu.system) / requests).toFixed(1)),
    gcPauseMicrosPerRequest: Number(((gcMs * 1000) / requests).toFixed(1)),
    heapUsedMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    requestsPerSecond: Math.round(requests / seconds),
  }),
)
