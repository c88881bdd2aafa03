import assert from 'node:assert/strict'
import { once } from 'node:events'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { NodeProcess } from '../../harness/node-process.ts'

/** Prints a line every millisecond: any moment it runs shows in its output. */
const TICKER = `setInterval(() => process.stdout.write('tick\\n'), 1); process.stdout.write('ready\\n')`

async function started(proc: NodeProcess): Promise<void> {
  for (let waited = 0; !proc.output().includes('ready'); waited += 10) {
    assert.ok(waited < 30_000 && proc.running, `the ticker did not start:\n${proc.output()}`)
    await sleep(10)
  }
}

/**
 * Fault scenario 2 freezes a saver (SIGSTOP) once PostgreSQL has committed its batch, then
 * SIGKILLs it: the process must not run again in between, or it may read the INSERT's answer and
 * commit its offsets, and the batch the scenario waits to see redelivered is not (issue 11).
 */
describe('a harness process stopped with SIGSTOP', () => {
  it('dies on SIGKILL without running any more code', async () => {
    // Continuing it before the SIGKILL let it run in about 1 of 10 rounds on a 2-core machine.
    const rounds = 50
    let ranAgain = 0
    for (let round = 0; round < rounds; round++) {
      const proc = new NodeProcess('ticker', ['-e', TICKER])
      const closed = once(proc.child, 'close') // every line it wrote has been read
      await started(proc)
      proc.pause()
      await sleep(30) // what it wrote before it stopped reaches us
      const frozenAt = proc.output().length
      assert.equal(await proc.kill(), null, 'killed by a signal')
      await closed
      if (proc.output().length > frozenAt) ranAgain += 1
    }
    assert.equal(ranAgain, 0, `the frozen process ran before dying in ${ranAgain} of ${rounds} rounds`)
  })

  it('still handles SIGTERM (it is continued after the signal is sent)', async () => {
    const proc = new NodeProcess('ticker', [
      '-e',
      `process.on('SIGTERM', () => { process.stdout.write('term\\n'); process.exit(3) }); ${TICKER}`,
    ])
    await started(proc)
    proc.pause()
    assert.equal(await proc.stop('SIGTERM', 10_000), 3)
    assert.match(proc.output(), /term/)
  })
})
