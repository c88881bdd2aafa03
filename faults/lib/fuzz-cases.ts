import type { RawRequest } from './raw-http.ts'

/** One hand-written hostile request and the answers a careful API gives to it. */
export interface FuzzCase {
  readonly name: string
  readonly target: 'ingest' | 'admin'
  readonly request: RawRequest
  /** Answers that are right; another answer below 500 is reported as a note, a 5xx fails. 0 = no answer. */
  readonly expect: readonly number[]
  readonly timeoutMs?: number
}

const json = { 'content-type': 'application/json' }
const post = (body: string | Buffer, headers: Record<string, string> = json): RawRequest => ({
  method: 'POST',
  path: '/measurements',
  headers,
  body,
})
const get = (path: string): RawRequest => ({ method: 'GET', path })
const cursor = (text: string) => Buffer.from(text).toString('base64url')

/** A measurement body with `patch` merged in, for the `fz-` sensors (never the load's sensors). */
function item(patch: Record<string, unknown>, timestamp: string): Record<string, unknown> {
  return { sensor_id: 'fz-case', temperature: 20, timestamp, ...patch }
}

export function ingestCases(nowIso: string): FuzzCase[] {
  const one = (patch: Record<string, unknown>) => JSON.stringify(item(patch, nowIso))
  const withRaw = (field: string, raw: Buffer) =>
    Buffer.concat([
      Buffer.from(`{"${field}":"fz-`),
      raw,
      Buffer.from(`","temperature":20,"timestamp":"${nowIso}"}`),
    ])
  const ingest = (name: string, request: RawRequest, expect: number[], timeoutMs?: number): FuzzCase => ({
    name,
    target: 'ingest',
    request,
    expect,
    timeoutMs,
  })
  return [
    ingest('array nested 100,000 deep', post(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), [400]),
    ingest(
      'object nested 50,000 deep as sensor_id',
      post(
        `{"sensor_id":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)},"temperature":1,"timestamp":"${nowIso}"}`,
      ),
      [400],
    ),
    ingest(
      'invalid UTF-8 (0xFF 0xFE) in sensor_id',
      post(withRaw('sensor_id', Buffer.from([0xff, 0xfe]))),
      [400],
    ),
    ingest(
      'overlong UTF-8 (0xC0 0xAF) in sensor_id',
      post(withRaw('sensor_id', Buffer.from([0xc0, 0xaf]))),
      [400],
    ),
    ingest(
      'truncated UTF-8 sequence (0xE2 0x82) in sensor_id',
      post(withRaw('sensor_id', Buffer.from([0xe2, 0x82]))),
      [400],
    ),
    ingest('UTF-16LE body declared as JSON', post(Buffer.from(one({}), 'utf16le')), [400, 415]),
    ingest(
      'temperature 1e400 (Infinity)',
      post(`{"sensor_id":"fz-a","temperature":1e400,"timestamp":"${nowIso}"}`),
      [400],
    ),
    ingest(
      'temperature of 100,000 digits',
      post(`{"sensor_id":"fz-a","temperature":1${'0'.repeat(100_000)},"timestamp":"${nowIso}"}`),
      [400],
    ),
    ingest('timestamp 1e400', post('{"sensor_id":"fz-a","temperature":1,"timestamp":1e400}'), [400]),
    ingest(
      'timestamp 2^53 + 1',
      post('{"sensor_id":"fz-a","temperature":1,"timestamp":9007199254740993}'),
      [400],
    ),
    ingest('timestamp -1', post(one({ timestamp: -1 })), [400]),
    ingest('timestamp 1.5 (not an integer)', post(one({ timestamp: 1.5 })), [400]),
    ingest('timestamp without a time zone', post(one({ timestamp: '2026-01-01T00:00:00' })), [400]),
    ingest('timestamp 2026-02-30', post(one({ timestamp: '2026-02-30T00:00:00Z' })), [400]),
    ingest('temperature as a string', post(one({ temperature: '21.5' })), [400]),
    ingest(
      'temperature NaN literal',
      post(`{"sensor_id":"fz-a","temperature":NaN,"timestamp":"${nowIso}"}`),
      [400],
    ),
    ingest('sensor_id as a number', post(one({ sensor_id: 42 })), [400]),
    ingest('sensor_id of 129 characters', post(one({ sensor_id: `fz-${'x'.repeat(126)}` })), [400]),
    ingest('sensor_id with a trailing space', post(one({ sensor_id: 'fz-a ' })), [400]),
    ingest('body null', post('null'), [400]),
    ingest('body a bare string', post('"fz"'), [400]),
    ingest('body a number', post('42'), [400]),
    ingest('body an empty array', post('[]'), [400, 202]),
    ingest('body an array of numbers', post('[1,2,3]'), [400]),
    ingest(
      'body an array of 5,000 invalid items',
      post(JSON.stringify(Array.from({ length: 5000 }, () => ({})))),
      [400],
    ),
    ingest('unknown extra field', post(one({ humidity: 3 })), [400]),
    ingest(
      '__proto__ field',
      post(`{"sensor_id":"fz-a","temperature":1,"timestamp":"${nowIso}","__proto__":{"x":1}}`),
      [400],
    ),
    ingest('constructor.prototype field', post(one({ constructor: { prototype: { x: 1 } } })), [400]),
    ingest('empty body with a JSON content type', post(''), [400]),
    ingest('POST without a body or a Content-Type', { method: 'POST', path: '/measurements' }, [400, 415]),
    ingest('whitespace-only body', post('   \n  '), [400]),
    ingest('text/plain body', post(one({}), { 'content-type': 'text/plain' }), [415]),
    ingest('no Content-Type', { method: 'POST', path: '/measurements', body: one({}) }, [415]),
    ingest(
      'Content-Type with a charset of latin1',
      post(one({}), { 'content-type': 'application/json; charset=latin1' }),
      [400, 415, 202],
    ),
    ingest(
      'NDJSON with a broken line',
      post(`${one({})}\n{"sensor_id":`, { 'content-type': 'application/x-ndjson' }),
      [400],
    ),
    ingest(
      'NDJSON of 5,001 lines',
      post(`${Array.from({ length: 5001 }, () => '{}').join('\n')}\n`, {
        'content-type': 'application/x-ndjson',
      }),
      [413],
    ),
    ingest('chunked body of 2 MiB', { ...post(Buffer.alloc(2 << 20, 0x20)), chunked: true }, [413]),
    ingest(
      'Content-Length larger than the body',
      { ...post(one({})), contentLength: 10_000 },
      [400, 408, 0],
      3000,
    ),
    ingest(
      'gzip Content-Encoding',
      post(Buffer.from([0x1f, 0x8b, 0, 0]), { ...json, 'content-encoding': 'gzip' }),
      [400, 415],
    ),
    ingest(
      'header of 100 KB',
      { ...post(one({})), headers: { ...json, 'x-fuzz': 'x'.repeat(100_000) } },
      [431],
    ),
    ingest('PUT /measurements', { ...post(one({})), method: 'PUT' }, [404, 405]),
    ingest('GET /measurements on ingest', get('/measurements'), [404, 405]),
    ingest('path with invalid percent-encoding', get('/%ff%fe'), [400, 404]),
  ]
}

export function adminCases(): FuzzCase[] {
  const admin = (name: string, request: RawRequest | string, expect: number[]): FuzzCase => ({
    name,
    target: 'admin',
    request: typeof request === 'string' ? get(request) : request,
    expect,
  })
  return [
    admin('limit=0', '/measurements?limit=0', [400]),
    admin('limit=-1', '/measurements?limit=-1', [400]),
    admin('limit above the maximum', '/measurements?limit=1001', [400]),
    admin('limit=abc', '/measurements?limit=abc', [400]),
    admin('limit=1e3', '/measurements?limit=1e3', [200, 400]),
    admin('limit of 20 digits', '/measurements?limit=99999999999999999999', [400]),
    admin('limit given twice', '/measurements?limit=1&limit=2', [200, 400]),
    admin('cursor not base64 of a cursor', '/measurements?cursor=garbage', [400]),
    admin('cursor of 101 characters', `/measurements?cursor=${'A'.repeat(101)}`, [400]),
    admin(
      'cursor with a time past year 275760',
      `/measurements?cursor=${cursor('9999999999999999:1')}`,
      [200, 400],
    ),
    admin(
      'cursor with an id past bigint',
      `/measurements?cursor=${cursor('1700000000000:9999999999999999999')}`,
      [200, 400],
    ),
    admin('from not a date', '/measurements?from=yesterday', [400]),
    admin('from after to', '/measurements?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', [400]),
    admin('from in year 0000', '/measurements?from=0000-01-01T00:00:00Z', [200, 400]),
    admin('to in year 9999', '/measurements?to=9999-12-31T23:59:59Z', [200]),
    admin('sensor_id with a NUL byte', '/measurements?sensor_id=fz%00x', [200, 400]),
    admin('sensor_id with invalid UTF-8', '/measurements?sensor_id=%ff%fe', [200, 400]),
    admin('sensor_id of 129 characters', `/measurements?sensor_id=${'x'.repeat(129)}`, [400]),
    admin('URL of 100 KB', `/measurements?sensor_id=${'x'.repeat(100_000)}`, [400, 414, 431]),
    admin('DELETE /sensors', { method: 'DELETE', path: '/sensors' }, [404, 405]),
    admin('path with invalid percent-encoding', '/%ff%fe', [400, 404]),
  ]
}
