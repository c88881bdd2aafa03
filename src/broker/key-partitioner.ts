/**
 * Kafka's murmur2 (Java client `Utils.murmur2`), in 32-bit integer arithmetic. @platformatic/kafka
 * has the same function, but in BigInt arithmetic it took 8% of ingest's CPU at full load, and
 * importing it would load the whole Kafka client in embedded mode. A unit test checks that both
 * give the same hash.
 */
export function murmur2(data: Buffer): number {
  const m = 0x5bd1e995
  const length = data.length
  const wholeWords = length & ~3
  let h = 0x9747b28c ^ length
  for (let i = 0; i < wholeWords; i += 4) {
    let k = data.readInt32LE(i)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m) ^ k
  }
  const rest = length & 3
  if (rest > 0) {
    let tail = 0
    for (let j = rest - 1; j >= 0; j--) tail = (tail << 8) | (data[wholeWords + j] as number)
    h = Math.imul(h ^ tail, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h | 0
}

/**
 * The partition number @platformatic/kafka's default partitioner gives a key before it takes the
 * remainder by the partition count. Both brokers use it, so a key lands in the same partition on
 * the embedded log as on Kafka.
 */
export function keyHash(key: Buffer): number {
  return murmur2(key) >>> 0
}

/** The partition of a string key among `partitions`. */
export function partitionForKey(key: string, partitions: number): number {
  return keyHash(Buffer.from(key)) % partitions
}
