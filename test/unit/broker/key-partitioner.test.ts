import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { defaultPartitioner, murmur2 as kafkaMurmur2 } from '@platformatic/kafka'
import { keyHash, murmur2, partitionForKey } from '../../../src/broker/key-partitioner.ts'

describe('key partitioner', () => {
  it('hashes like the murmur2 of @platformatic/kafka', () => {
    for (let length = 0; length < 70; length++) {
      for (let i = 0; i < 50; i++) {
        const data = randomBytes(length)
        assert.equal(murmur2(data), kafkaMurmur2(data), data.toString('hex'))
      }
    }
  })

  it('picks the partition the Kafka producer picks for a string key', () => {
    for (const key of ['sensor-1', 'sensor-2', '', 'ünïcødé 🔥', 'a'.repeat(37)]) {
      // @platformatic/kafka's default partitioner: unsigned murmur2 of the UTF-8 key, modulo the count.
      const expected = (kafkaMurmur2(Buffer.from(key)) >>> 0) % 12
      assert.equal(partitionForKey(key, 12), expected, key)
    }
  })

  it('gives the Kafka producer the number its default partitioner gives', () => {
    for (let i = 0; i < 500; i++) {
      const key = Buffer.from(`sensor-${i}-${randomBytes(i % 9).toString('hex')}`)
      assert.equal(keyHash(key), defaultPartitioner(undefined as never, key), key.toString())
    }
  })
})
