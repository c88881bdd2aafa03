/**
 * The HTTP ceiling: Fastify with its default JSON parser and a route that only counts the items
 * and answers 202, as ingest does, but without validation, Kafka or metrics.
 * `node bench/lib/trivial-server.ts PORT`
 */
import Fastify from 'fastify'

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 })
app.get('/health', async () => ({ status: 'ok' }))
app.post('/measurements', async (request, reply) => {
  const body = request.body
  return reply.code(202).send({ accepted: Array.isArray(body) ? body.length : 1 })
})
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) })
const stop = () => void app.close().then(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
