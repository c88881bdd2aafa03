import assert from 'node:assert/strict'
import { isUtf8 } from 'node:buffer'
import { describe, it } from 'node:test'
import {
  decodeUtf8Body,
  InvalidBodyError,
  InvalidEncodingError,
  parseJsonItems,
  parseNdjsonItems,
} from '../../../src/roles/ingest/request-body.ts'
import { firstInvalidUtf8Offset } from '../../../src/roles/ingest/utf8-offset.ts'

/** Throws unless decoding `bytes` fails with INVALID_ENCODING naming `offset`. */
function assertRefusedAt(bytes: Buffer, offset: number): void {
  assert.throws(
    () => decodeUtf8Body(bytes),
    (error: unknown) =>
      error instanceof InvalidEncodingError &&
      error.code === 'INVALID_ENCODING' &&
      error.statusCode === 400 &&
      error.message.includes(`offset ${offset} `),
    bytes.toString('hex'),
  )
}

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

  it('decodes UTF-8 bodies, multi-byte characters and a literal U+FFFD included', () => {
    const text = '{"sensor_id":"Küche-温度-🌡️-\uFFFD","temperature":1}'
    assert.equal(decodeUtf8Body(Buffer.from(text)), text)
    assert.equal(decodeUtf8Body(Buffer.alloc(0)), '')
  })

  it('refuses invalid UTF-8 and names the offset of the first malformed sequence', () => {
    const prefix = Buffer.from('{"sensor_id":"')
    const at = prefix.length
    for (const bad of [
      [0xff], // never valid
      [0x80], // continuation byte with no lead
      [0xc3], // lead byte cut short by the closing quote
      [0xc0, 0xaf], // overlong "/"
      [0xe0, 0x80, 0xaf], // overlong three-byte form
      [0xed, 0xa0, 0x80], // UTF-16 surrogate D800
      [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
    ]) {
      assertRefusedAt(Buffer.concat([prefix, Buffer.from(bad), Buffer.from('"}')]), at)
    }
    // A valid two-byte character before the bad byte counts as two bytes, not one character.
    assertRefusedAt(Buffer.concat([Buffer.from('"é'), Buffer.from([0xfe])]), 3)
    // Cut off at the very end of the body.
    assertRefusedAt(Buffer.concat([Buffer.from('ab'), Buffer.from('€').subarray(0, 2)]), 2)
  })

  it('finds an offset exactly where buffer.isUtf8 disagrees, on random bytes', () => {
    let seed = 42
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    // Mostly bytes from 0x80 up, where the sequences and their edge cases are.
    const interesting = [0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0]
    interesting.push(0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff)
    for (let run = 0; run < 5000; run++) {
      const length = Math.floor(random() * 9)
      const bytes = Buffer.from(
        Array.from({ length }, () => interesting[Math.floor(random() * interesting.length)] as number),
      )
      const offset = firstInvalidUtf8Offset(bytes)
      assert.equal(offset === -1, isUtf8(bytes), bytes.toString('hex'))
      if (offset !== -1) assert.ok(isUtf8(bytes.subarray(0, offset)), bytes.toString('hex'))
    }
  })
})
