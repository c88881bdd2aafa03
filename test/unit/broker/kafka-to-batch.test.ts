import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type KafkaMessage, toBatch } from '../../../src/broker/kafka/kafka-subscription.ts'

/** Messages of a fetch, each committing through `commit` (the client's own is a network call). */
const fetched = (partitions: readonly number[], commit: (offset: bigint) => Promise<void>) =>
  partitions.map(
    (partition, index) =>
      ({
        topic: 'temperatures',
        partition,
        offset: BigInt(index),
        key: 's-1',
        value: Buffer.from('{}'),
        timestamp: 0n,
        headers: new Map(),
        commit: () => commit(BigInt(index)),
      }) as unknown as KafkaMessage,
  )

describe('toBatch', () => {
  it("commits the last message of each partition's run, which covers the ones before it", async () => {
    const committed: bigint[] = []
    const messages = fetched([0, 0, 1, 1, 1, 0], async (offset) => {
      committed.push(offset)
    })
    const batch = toBatch(messages, new AbortController().signal)
    assert.equal(batch.records.length, 6)
    await batch.commit()
    assert.deepEqual(
      committed.sort((a, b) => Number(a - b)),
      [4n, 5n],
    )
  })

  it('fails a commit still unanswered when its consumer closes, so a stopping loop does not wait forever', async () => {
    const consumerClosing = new AbortController()
    const batch = toBatch(
      fetched([0], () => new Promise<void>(() => {})),
      consumerClosing.signal,
    )
    const commit = batch.commit()
    consumerClosing.abort()
    await assert.rejects(commit, /the consumer closed before the broker confirmed the commit/)
  })

  it('reports a failed commit before it rejects, so the member can act on the lost group', async () => {
    const failure = new Error('joinGroup failed 31 times.')
    const reported: unknown[] = []
    const batch = toBatch(
      fetched([0], () => Promise.reject(failure)),
      new AbortController().signal,
      (error) => reported.push(error),
    )
    await assert.rejects(batch.commit(), /joinGroup failed 31 times/)
    assert.deepEqual(reported, [failure])
  })

  it('fails at once a commit asked for after its consumer closed', async () => {
    const consumerClosing = new AbortController()
    consumerClosing.abort()
    let asked = 0
    const batch = toBatch(
      fetched([0], async () => {
        asked += 1
      }),
      consumerClosing.signal,
    )
    await assert.rejects(batch.commit(), /the consumer closed before the broker confirmed the commit/)
    assert.equal(asked, 0, 'a closed consumer is not asked')
  })
})
