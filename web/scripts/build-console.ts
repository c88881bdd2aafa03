/**
 * Builds the console (web/dist) when it is missing or older than its sources; `npm start` runs it
 * first, so a fresh clone opens a console with no other step. A hash of the sources, kept beside
 * the build, decides: an up-to-date build costs one read of web/src. `--force` always builds.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const web = fileURLToPath(new URL('..', import.meta.url))
const dist = join(web, 'dist')
const stamp = join(dist, '.source-hash')

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true })
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
}

export async function sourceHash(): Promise<string> {
  const files = [
    ...(await filesUnder(join(web, 'src'))),
    join(web, 'index.html'),
    join(web, 'vite.config.ts'),
    join(web, 'package.json'),
  ].sort()
  const hash = createHash('sha256')
  for (const file of files)
    hash
      .update(relative(web, file))
      .update('\0')
      .update(await readFile(file))
  return hash.digest('hex')
}

const wanted = await sourceHash()
const built = await readFile(stamp, 'utf8').catch(() => '')
if (built === wanted && !process.argv.includes('--force')) {
  process.stderr.write('console: build up to date (web/dist)\n')
} else {
  const started = performance.now()
  // Loaded only when a build is needed: Vite takes a moment to import.
  const { build } = await import('vite')
  await build({ configFile: join(web, 'vite.config.ts'), root: web, logLevel: 'warn' })
  await writeFile(stamp, wanted)
  process.stderr.write(`console: built web/dist in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
}
