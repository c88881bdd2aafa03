import { existsSync } from 'node:fs'
import { join } from 'node:path'
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
  // `serve: false`: the routes below decide. A rebuild while the server runs (new hashed names)
  // is then served too, as the files are looked up at request time.
  await app.register(fastifyStatic, { root, serve: false, maxAge: '365d', immutable: true })
  const shell = async (_request: unknown, reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html', { maxAge: 0, immutable: false })
  app.get(CONSOLE_PATH, { config: PUBLIC, schema: { hide: true } }, shell)
  app.get<{ Params: { '*': string } }>(
    `${CONSOLE_PATH}*`,
    { config: PUBLIC, schema: { hide: true } },
    (request, reply) => {
      const path = request.params['*']
      // Vite names the assets by their content hash: a name never changes content.
      if (path.startsWith('assets/')) return reply.sendFile(path)
      if (/\.[a-z0-9]+$/i.test(path) && existsSync(join(root, path))) return reply.sendFile(path)
      // Any other path is a page of the app (/console/sensors/s1): the shell routes it in the browser.
      return shell(request, reply)
    },
  )
}
