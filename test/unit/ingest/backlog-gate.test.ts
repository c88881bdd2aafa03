import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { GroupBacklog } from '../../../src/broker/broker.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { BacklogGate } from '../../../src/roles/ingest/backlog-gate.ts'

/** A gate over a backlog and a clock the test moves by hand. */
function gateOver(maxRecords: number, maxSeconds: number) {
  const state = { backlog: { behind: 0, committed: 0 } as GroupBacklog, nowMs: 1_000_000 }
  const gate = new BacklogGate({
    sample: async () => state.backlog,
    maxRecords,
    maxSeconds,
    logger: createLogger('silent', 'test'),
    intervalMs: 3_600_000,
    now: () => state.nowMs,
  })
  const step = async (seconds: number, backlog: GroupBacklog) => {
    state.nowMs += seconds * 1000
    state.backlog = backlog
    await gate.refresh()
    return gate.closedBecause
  }
  return { gate, step }
}

describe('BacklogGate', () => {
  it('closes above the record bound and opens again below it', async (t) => {
    const { gate, step } = gateOver(1000, 60)
    t.after(() => gate.stop())
    assert.equal(await step(0, { behind: 1000, committed: 0 }), undefined)
    assert.match(
      (await step(1, { behind: 1001, committed: 10 })) ?? '',
      /1001 measurements behind \(bound 1000\)/,
    )
    assert.equal(await step(1, { behind: 10, committed: 1000 }), undefined)
  })

  it('closes when the backlog would take longer than the time bound at the measured drain rate', async (t) => {
    const { gate, step } = gateOver(1_000_000, 60)
    t.after(() => gate.stop())
    await step(0, { behind: 50_000, committed: 0 })
    // 500 committed a second: 50,000 behind is 100 s of work.
    assert.match(
      (await step(1, { behind: 50_000, committed: 500 })) ?? '',
      /100 s behind at 500 measurements\/s/,
    )
    // Faster: 5,000 a second make the same backlog 10 s.
    assert.equal(await step(1, { behind: 50_000, committed: 10_500 }), undefined)
  })

  it('closes when the saver stored nothing for longer than the time bound while records wait', async (t) => {
    const { gate, step } = gateOver(1_000_000, 60)
    t.after(() => gate.stop())
    assert.equal(await step(0, { behind: 10, committed: 0 }), undefined)
    assert.equal(await step(59, { behind: 20, committed: 0 }), undefined)
    assert.match((await step(2, { behind: 30, committed: 0 })) ?? '', /stored nothing for 61 s/)
    assert.equal(await step(1, { behind: 0, committed: 30 }), undefined)
  })

  it('keeps its last judgement when a sample fails', async (t) => {
    let fail = false
    const gate = new BacklogGate({
      sample: async () => {
        if (fail) throw new Error('closed')
        return { behind: 5, committed: 0 }
      },
      maxRecords: 1,
      maxSeconds: 60,
      logger: createLogger('silent', 'test'),
      intervalMs: 3_600_000,
    })
    t.after(() => gate.stop())
    await gate.refresh()
    assert.ok(gate.closedBecause)
    fail = true
    await gate.refresh()
    assert.ok(gate.closedBecause)
  })
})
