import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { describe, it } from 'node:test'
import { ROOT } from './deploy-tools.ts'

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  type: string
  dependencies: Record<string, string>
}

/** Every file src/main.ts reaches through its imports, and every package it imports. */
function importGraph(entry: string) {
  const files = new Set<string>()
  const packages = new Set<string>()
  const pending = [entry]
  while (pending.length > 0) {
    const file = pending.pop() as string
    if (files.has(file)) continue
    files.add(file)
    const source = readFileSync(file, 'utf8')
    for (const [, specifier] of source.matchAll(
      /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g,
    )) {
      if (!specifier) continue
      if (specifier.startsWith('.')) pending.push(join(dirname(file), specifier))
      else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier))
        packages.add(
          specifier.startsWith('@')
            ? specifier.split('/').slice(0, 2).join('/')
            : (specifier.split('/')[0] ?? ''),
        )
    }
  }
  return { files: [...files].map((file) => relative(ROOT, file)), packages: [...packages] }
}

describe('the Docker image', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')

  it('has what src/main.ts imports: files under src/, packages from `dependencies`', () => {
    const { files, packages } = importGraph(join(ROOT, 'src/main.ts'))
    assert.ok(files.length > 20, `${files.length} files`)
    for (const file of files) {
      assert.ok(file.startsWith('src/'), `${file} is outside src/, which the image does not copy`)
      assert.ok(existsSync(join(ROOT, file)), file)
    }
    assert.ok(packages.includes('fastify'), packages.join(', '))
    for (const name of packages)
      assert.ok(name in pkg.dependencies, `${name} is not in dependencies (npm ci --omit=dev)`)
    assert.match(dockerfile, /^COPY src \.\/src$/m)
    assert.match(dockerfile, /^COPY package\.json package-lock\.json \.\/$/m)
    assert.equal(pkg.type, 'module')
  })

  it('runs Node 24 as a non-root user, listening on every interface', () => {
    assert.match(dockerfile, /^FROM node:24-/m)
    assert.match(dockerfile, /^USER 1000:1000$/m)
    assert.match(dockerfile, /FLOWLINE_HOST=0\.0\.0\.0/)
    assert.match(dockerfile, /--omit=dev/)
  })

  it('ships the web console: web/dist built in its own stage and copied where the admin role serves it', () => {
    const consoleStatic = readFileSync(join(ROOT, 'src/roles/admin/console-static.ts'), 'utf8')
    assert.match(consoleStatic, /new URL\('\.\.\/\.\.\/\.\.\/web\/dist\/'/, 'the admin role serves web/dist')
    assert.match(dockerfile, /^FROM node:24-\S+ AS console$/m)
    assert.match(dockerfile, /^COPY web \.\/web$/m)
    assert.match(dockerfile, /^RUN node web\/scripts\/build-console\.ts --force$/m)
    assert.match(dockerfile, /^COPY --from=console \/app\/web\/dist \.\/web\/dist$/m)
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
    // web/dist may be ignored (the stage rebuilds it); web/ itself and its sources may not.
    const dropsSources = ignored.some((line) => /^web(\/(src|scripts|\*)?)?\/?$/.test(line.trim()))
    assert.ok(!dropsSources, '.dockerignore keeps web/ and its sources in the context')
    assert.ok(ignored.includes('web/dist'), 'a web/dist built on the host never reaches the console stage')
  })
})
