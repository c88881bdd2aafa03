import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'

/** Where `npm run web:build` (and `npm start`) puts the console's production build. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url))
export const CONSOLE_PATH = '/console/'

// The app shell must load before anyone has logged in: it shows the login page.
const PUBLIC = { access: 'public' } as object

/**
 * Serves the web console's build under /console/: the files as built, and index.html for every
 * other path below it, so a reload on /console/sensors/s1 opens that page. / redirects there.
 */
export async function registerConsoleStatic(app: FastifyInstance, root = CONSOLE_DIST): Promise<void> {
  app.get('/', { config: PUBLIC, schema: { hide: true } }, (_, reply) => reply.redirect(CONSOLE_PATH))
  if (!existsSync(`${root}/index.html`)) {
    app.get(`${CONSOLE_PATH}*`, { config: PUBLIC, schema: { hide: true } }, (_, reply) =>
      reply.code(503).send({
        code: 'CONSOLE_NOT_BUILT',
        message: 'The web console is not built: run `npm run web:build` (npm start builds it)',
      }),
    )
    return
  }
  await app.register(fastifyStatic, {
    root,
    prefix: CONSOLE_PATH,
    wildcard: false,
    index: false,
    // Vite names the assets by their content hash: a name never changes content. index.html,
    // which names them, is sent below with no-cache.
    maxAge: '365d',
    immutable: true,
  })
  const shell = async (_request: unknown, reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html')
  app.get(CONSOLE_PATH, { config: PUBLIC, schema: { hide: true } }, shell)
  app.get(`${CONSOLE_PATH}*`, { config: PUBLIC, schema: { hide: true } }, shell)
}
