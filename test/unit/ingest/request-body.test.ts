import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidBodyError, parseJsonItems, parseNdjsonItems } from '../../../src/roles/ingest/request-body.ts'

describe('request bodies', () => {
  it('reads one object as one item and an array as many', () => {
    assert.deepEqual(parseJsonItems('{"a":1}'), [{ a: 1 }])
    assert.deepEqual(parseJsonItems('[{"a":1},{"a":2}]'), [{ a: 1 }, { a: 2 }])
    assert.throws(() => parseJsonItems('"text"'), InvalidBodyError)
    assert.throws(() => parseJsonItems('{'), /not valid JSON/)
  })

  it('reads NDJSON line by line, skips blank lines and names a bad line', () => {
    assert.deepEqual(parseNdjsonItems('{"a":1}\r\n\n{"a":2}\n'), [{ a: 1 }, { a: 2 }])
    assert.throws(() => parseNdjsonItems('{"a":1}\n\n{x}\n'), /Line 3 is not valid JSON/)
    assert.throws(() => parseNdjsonItems('\n \n'), /holds no measurement/)
  })
})
