import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { authHeaders, createRole, eventually, freePort } from '../../harness/index.ts'

/** One POST of `count` measurements of a sensor of its own; returns the status and Retry-After. */
async function post(
  url: string,
  sensor: string,
  count: number,
): Promise<{ status: number; retryAfter: string | null }> {
  const start = Date.now() - 60_000
  const body = Array.from({ length: count }, (_, i) => ({
    sensor_id: sensor,
    temperature: 20,
    timestamp: start + i,
  }))
  const response = await fetch(`${url}/measurements`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders() },
    body: JSON.stringify(body),
  })
  await response.arrayBuffer()
  return { status: response.status, retryAfter: response.headers.get('retry-after') }
}

/** Posts 50-measurement requests until one gets `status`, at most `maxRequests` times. */
async function postUntil(
  url: string,
  status: number,
  maxRequests: number,
): Promise<{ accepted: number; retryAfter: string | null }> {
  let accepted = 0
  for (let request = 0; request < maxRequests; request++) {
    const answer = await post(url, `backlog-${request}`, 50)
    if (answer.status === status) return { accepted, retryAfter: answer.retryAfter }
    assert.ok(answer.status === 202 || answer.status === 429, `unexpected status ${answer.status}`)
    if (answer.status === 202) accepted += 50
    await sleep(100)
  }
  throw new Error(`no ${status} in ${maxRequests} requests`)
}

describe('embedded backpressure: ingest stops accepting what the saver cannot store', () => {
  it('answers 429 with Retry-After while the saver is more than --max-backlog behind, and 202 once it caught up', async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'flowline-backlog-'))
    // Runs after the roles are killed (hooks run last first); a role still exiting may write a
    // group file meanwhile, so the removal retries on ENOTEMPTY instead of failing the test.
    t.after(() => rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }))
    const [adminPort, saverPort, aggregatePort] = await Promise.all([freePort(), freePort(), freePort()])
    const common = { embedded: true, 'data-dir': dataDir, 'max-backlog': 500, 'log-level': 'warn' }

    // Ingest alone: nothing stores, so the backlog only grows until the bound closes the gate.
    const ingest = await createRole('ingest', { flags: common })
    await ingest.start()
    t.after(() => ingest.kill())
    const refused = await postUntil(ingest.url, 429, 100)
    assert.equal(refused.retryAfter, '1')
    assert.ok(refused.accepted >= 500, `accepted ${refused.accepted} before refusing`)
    // Checked every 250 ms: at most a few requests of 50 pass the bound before the gate closes.
    assert.ok(refused.accepted <= 500 + 50 * 8, `accepted ${refused.accepted}: the bound of 500 held`)
    // Refused before its body is read: a body that is not even JSON gets the 429, not a 400 ...
    const unread = await fetch(`${ingest.url}/measurements`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders() },
      body: '{"sensor_id": ',
    })
    assert.equal(unread.status, 429)
    assert.equal(((await unread.json()) as { code: string }).code, 'OVERLOADED')
    // ... but only after the credential was checked: an unknown caller learns nothing of the load.
    const anonymous = await fetch(`${ingest.url}/measurements`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    })
    assert.equal(anonymous.status, 401)
    await anonymous.arrayBuffer()
    await ingest.stop()

    // The whole pipeline on the same log: the saver drains the backlog and ingest accepts again.
    const up = await createRole('up', {
      port: ingest.port,
      flags: {
        ...common,
        simulator: false,
        aggregator: false,
        'admin-port': adminPort,
        'saver-port': saverPort,
        'aggregate-port': aggregatePort,
      },
    })
    await up.start()
    t.after(() => up.kill())
    await postUntil(up.url, 202, 300)
    // `up` is ready when ingest listens; its admin may bind a moment later on a loaded machine.
    const sensorsStored = await eventually(async () => {
      const answer = await fetch(`http://127.0.0.1:${adminPort}/sensors?limit=1000`, {
        headers: authHeaders(),
      }).catch(() => undefined)
      if (answer?.status !== 200) return undefined
      return ((await answer.json()) as { items: unknown[] }).items.length
    }, 'the admin role of `up` answering')
    assert.ok(sensorsStored >= refused.accepted / 50, `${sensorsStored} sensors stored`)
  })
})
