import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { NODE_FLAGS, nodeFlagsFor, ROLE_NODE_FLAGS } from '../../../src/runtime/node-flags.ts'

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8')
const flags = NODE_FLAGS.join(' ')

describe('every entry point starts node with NODE_FLAGS', () => {
  it('bin/flowline.mjs', () => {
    assert.equal(read('bin/flowline.mjs').split('\n')[0], `#!/usr/bin/env -S node ${flags}`)
  })

  it('the npm scripts that run Flowline', () => {
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> }
    // `npm start` builds the web console first when its sources changed, and traces every
    // measurement into the in-process store, for the journey view.
    assert.equal(
      scripts.start,
      `node web/scripts/build-console.ts && node ${flags} src/main.ts up --embedded --trace-store --trace-sample-ratio 1`,
    )
    assert.equal(scripts.flowline, `node ${flags} src/main.ts`)
  })

  it('the Dockerfile', () => {
    const entrypoint = read('Dockerfile')
      .split('\n')
      .find((line) => line.startsWith('ENTRYPOINT'))
    assert.deepEqual(JSON.parse(entrypoint?.slice('ENTRYPOINT'.length) ?? '[]'), [
      'node',
      ...NODE_FLAGS,
      'src/main.ts',
    ])
  })
})

describe('a role with flags of its own', () => {
  it('starts with them in place of the NODE_FLAGS they name, and the rest of NODE_FLAGS', () => {
    assert.deepEqual(nodeFlagsFor('saver'), ['--max-semi-space-size=64'])
    assert.deepEqual(nodeFlagsFor('ingest'), NODE_FLAGS)
  })

  it('gets them from the Docker Compose service of that role', () => {
    const { services } = parse(read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, { entrypoint?: string[]; command?: string[] }>
    }
    for (const role of Object.keys(ROLE_NODE_FLAGS))
      assert.deepEqual(services[role]?.entrypoint, ['node', ...nodeFlagsFor(role), 'src/main.ts'], role)
  })

  it("gets them from the Helm chart's values of that role", () => {
    const { roles } = parse(read('deploy/helm/flowline/values.yaml')) as {
      roles: Record<string, { nodeFlags?: string[] }>
    }
    for (const role of Object.keys(ROLE_NODE_FLAGS))
      assert.deepEqual(roles[role]?.nodeFlags, nodeFlagsFor(role), role)
  })
})
