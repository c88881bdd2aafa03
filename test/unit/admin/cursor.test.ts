import assert from 'node:assert/strict'
import { it } from 'node:test'
import { decodeCursor, encodeCursor } from '../../../src/roles/admin/cursor.ts'

it('round-trips a cursor and refuses one it did not make', () => {
  const cursor = { tsMs: 1767225600123, id: '9007199254740993' }
  assert.deepEqual(decodeCursor(encodeCursor(cursor)), cursor)
  assert.throws(() => decodeCursor('garbage'), /not a cursor/)
  assert.throws(() => decodeCursor(Buffer.from('9999999999999999:1').toString('base64url')), /not a cursor/)
  assert.throws(
    () => decodeCursor(Buffer.from('1:9999999999999999999').toString('base64url')),
    /not a cursor/,
  )
  assert.throws(() => decodeCursor(Buffer.from('1:2:3').toString('base64url')), /not a cursor/)
})
