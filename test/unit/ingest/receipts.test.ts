import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { receiptsOf } from '../../../src/roles/ingest/receipts.ts'

describe('receiptsOf', () => {
  it('folds positions into one range per partition, in partition order, offsets as text', () => {
    const at = (partition: number, offset: bigint) => ({ topic: 't', partition, offset })
    assert.deepEqual(receiptsOf([at(2, 41n), at(0, 7n), at(2, 42n), at(0, 8n), at(2, 43n)]), [
      { topic: 't', partition: 0, from_offset: '7', to_offset: '8' },
      { topic: 't', partition: 2, from_offset: '41', to_offset: '43' },
    ])
  })

  it('keeps 64-bit offsets exact and answers an empty list for no records', () => {
    const big = 2n ** 62n
    assert.deepEqual(receiptsOf([{ topic: 't', partition: 1, offset: big }]), [
      { topic: 't', partition: 1, from_offset: String(big), to_offset: String(big) },
    ])
    assert.deepEqual(receiptsOf([]), [])
  })
})
