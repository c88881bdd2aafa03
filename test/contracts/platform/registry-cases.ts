import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import { sql } from 'kysely'
import { RegistryRepository } from '../../../src/registry/registry-repository.ts'
import { MeasurementsRepository } from '../../../src/storage/measurements-repository.ts'
import { authHeaders } from '../../helpers/credentials.ts'
import { adminApp, type FreshStorage } from './platform-fixtures.ts'

/** Registry CRUD: ETag and If-Match, 412, refused fields, filters, keyset paging, thresholds into alert_rules. */
export async function registryCrud(t: TestContext, freshStorage: FreshStorage): Promise<void> {
  const storage = await freshStorage(t)
  await storage.migrate()
  const { app } = await adminApp(t, storage)
  const send = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers = {}) =>
    app.inject({ method, url, headers: { ...authHeaders(), ...headers }, ...(payload ? { payload } : {}) })

  const created = await send('POST', '/sensors/greenhouse-1', {
    name: 'Greenhouse 1',
    location: { latitude: 52.37, longitude: 4.89, site: 'north' },
    tags: ['fleet-a', 'indoor'],
    thresholds: { max_temperature: 35, consecutive: 2 },
  })
  assert.equal(created.statusCode, 201, created.body)
  assert.equal(created.headers.etag, '"1"')
  const entry = created.json()
  assert.equal(entry.registered, true)
  assert.equal(entry.status, 'active')
  assert.equal(entry.auto, false)
  assert.deepEqual(entry.location, { latitude: 52.37, longitude: 4.89, site: 'north' })
  assert.equal(entry.count, null, 'never seen yet')
  assert.equal((await send('POST', '/sensors/greenhouse-1', {})).statusCode, 409)

  const rule = await sql<{ max_temperature: number; consecutive: number }>`
    SELECT max_temperature, consecutive FROM alert_rules WHERE sensor_id = 'greenhouse-1'`.execute(storage.db)
  assert.deepEqual(rule.rows, [{ max_temperature: 35, consecutive: 2 }], 'thresholds are the alert rule')

  // Unknown and server-owned fields are refused by name; nothing changes.
  for (const [body, field] of [
    [{ colour: 'red' }, 'colour'],
    [{ version: 7 }, 'version'],
    [{ sensor_id: 'other' }, 'sensor_id'],
    [{ count: 1 }, 'count'],
    [{ created_at: '2020-01-01T00:00:00Z' }, 'created_at'],
  ] as const) {
    const refused = await send('PATCH', '/sensors/greenhouse-1', body)
    assert.equal(refused.statusCode, 400, refused.body)
    assert.match(refused.json().message, new RegExp(`body/${field}`))
  }
  const nested = await send('PATCH', '/sensors/greenhouse-1', { location: { altitude: 3 } })
  assert.equal(nested.statusCode, 400)

  const read = await send('GET', '/sensors/greenhouse-1')
  assert.equal(read.headers.etag, '"1"', 'refused writes changed nothing')
  const patched = await send(
    'PATCH',
    '/sensors/greenhouse-1',
    { name: 'GH 1', thresholds: null },
    { 'if-match': '"1"' },
  )
  assert.equal(patched.statusCode, 200, patched.body)
  assert.equal(patched.headers.etag, '"2"')
  assert.equal(patched.json().name, 'GH 1')
  assert.deepEqual(patched.json().tags, ['fleet-a', 'indoor'], 'fields not given stay')
  const stale = await send('PATCH', '/sensors/greenhouse-1', { name: 'lost update' }, { 'if-match': '"1"' })
  assert.equal(stale.statusCode, 412)
  assert.equal(stale.json().code, 'PRECONDITION_FAILED')
  assert.equal(
    (await send('DELETE', '/sensors/greenhouse-1', undefined, { 'if-match': '"1"' })).statusCode,
    412,
  )
  assert.equal((await send('GET', '/sensors/greenhouse-1')).json().name, 'GH 1')
  const noRule = await sql`SELECT 1 FROM alert_rules WHERE sensor_id = 'greenhouse-1'`.execute(storage.db)
  assert.equal(noRule.rows.length, 0, 'thresholds cleared: back to the global rule')

  // Filters and keyset paging over registered and seen sensors, with statistics.
  for (let i = 0; i < 7; i++)
    assert.equal(
      (
        await send('POST', `/sensors/s${i}`, {
          tags: [i % 2 ? 'odd' : 'even'],
          location: { site: i < 3 ? 'west' : 'east' },
          status: i === 6 ? 'decommissioned' : 'active',
        })
      ).statusCode,
      201,
    )
  await new MeasurementsRepository(storage.db).insertBatch([
    { sensorId: 's1', temperature: 21, timestampMs: Date.parse('2026-03-01T00:00:00Z') },
    { sensorId: 'seen-only', temperature: 5, timestampMs: Date.parse('2026-03-01T00:00:00Z') },
  ])
  const s1 = (await send('GET', '/sensors/s1')).json()
  assert.equal(s1.count, 1)
  assert.equal(s1.last_temperature, 21)
  const seenOnly = (await send('GET', '/sensors/seen-only')).json()
  assert.equal(seenOnly.registered, false)

  const walked: string[] = []
  let url = '/sensors?limit=3'
  for (let page = 0; page < 10; page++) {
    const body = (await send('GET', url)).json()
    walked.push(...body.items.map((item: { sensor_id: string }) => item.sensor_id))
    if (body.next_cursor === null) break
    url = `/sensors?limit=3&cursor=${body.next_cursor}`
  }
  assert.deepEqual(walked, ['greenhouse-1', 's0', 's1', 's2', 's3', 's4', 's5', 's6', 'seen-only'])
  const ids = async (query: string) =>
    (await send('GET', `/sensors?${query}`)).json().items.map((item: { sensor_id: string }) => item.sensor_id)
  assert.deepEqual(await ids('tag=odd'), ['s1', 's3', 's5'])
  assert.deepEqual(await ids('site=west&tag=even'), ['s0', 's2'])
  assert.deepEqual(await ids('active=false'), ['s6'])
  assert.deepEqual(await ids('status=decommissioned'), ['s6'])
  assert.equal((await send('GET', '/sensors?cursor=%%%')).statusCode, 400)

  const gone = await send('DELETE', '/sensors/s0', undefined, { 'if-match': '"1"' })
  assert.equal(gone.statusCode, 204)
  assert.equal((await send('GET', '/sensors/s0')).statusCode, 404)
  assert.equal((await send('DELETE', '/sensors/s0')).statusCode, 404)

  const audit = await sql<{ action: string; n: number }>`
    SELECT action, count(*)::int AS n FROM audit_log WHERE action LIKE 'sensor.%' GROUP BY action ORDER BY action`.execute(
    storage.db,
  )
  assert.deepEqual(audit.rows, [
    { action: 'sensor.create', n: 8 },
    { action: 'sensor.delete', n: 1 },
    { action: 'sensor.update', n: 1 },
  ])
}

/**
 * The registry's admission version (what ingest's cache checks instead of reading every sensor
 * again): it changes with every registration, deletion, status or tag change, whoever makes it
 * (plain SQL included), not with other fields, and reads return the version of their snapshot.
 */
export async function admissionsVersion(t: TestContext, freshStorage: FreshStorage): Promise<void> {
  const storage = await freshStorage(t)
  await storage.migrate()
  const registry = new RegistryRepository(storage.db)
  const seed = '8123456789'
  const version = () => registry.admissionsVersion(seed)
  const seen = new Set<string>([await version()])
  const changed = async (what: string) => {
    const now = await version()
    assert.ok(!seen.has(now), `${what}: a new version`)
    seen.add(now)
    return now
  }
  await registry.create('v-1', { tags: ['a'] }, 'test')
  await changed('created')
  await registry.create('v-2', {}, 'test')
  const two = await changed('another created')
  await registry.update('v-1', { name: 'renamed', site: 'north' }, undefined, 'test')
  assert.equal(await version(), two, 'a name or site is not part of an admission')
  await registry.update('v-1', { tags: ['b'] }, undefined, 'test')
  await changed('tags changed')
  await registry.update('v-1', { status: 'decommissioned' }, undefined, 'test')
  await changed('decommissioned')
  await sql`UPDATE sensor_registry SET status = 'inactive' WHERE sensor_id = 'v-2'`.execute(storage.db)
  await changed('status changed by plain SQL (no version or updated_at bumped)')
  await registry.remove('v-2', undefined, 'test')
  const removed = await changed('deleted')
  await registry.registerAuto(['v-3'])
  await changed('registered at ingest')
  assert.notEqual(await registry.admissionsVersion('42'), await version(), 'another seed, another version')

  const read = await registry.versionedAdmissions(['v-1', 'v-3', 'missing'], seed)
  assert.equal(read.version, await version(), 'a read returns the version of its snapshot')
  assert.deepEqual(
    [...read.found].sort(),
    [
      ['v-1', { status: 'decommissioned', tags: ['b'] }],
      ['v-3', { status: 'active', tags: [] }],
    ],
    'what admissions() returns',
  )
  assert.deepEqual(read.found, await registry.admissions(['v-1', 'v-3', 'missing']))
  assert.notEqual(read.version, removed)
  const none = await registry.versionedAdmissions(['missing'], seed)
  assert.equal(none.found.size, 0)
  assert.equal(none.version, read.version)
}
