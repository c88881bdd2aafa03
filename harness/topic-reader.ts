import type { Broker, IncomingRecord } from '../src/broker/broker.ts'
import { uniqueName } from './scratch.ts'

/**
 * Reads a topic from the start with a throw-away group until at least `expected` records came,
 * then for `settleMs` more so that copies beyond the expected ones are seen too.
 */
export async function drainTopic(
  broker: Broker,
  topic: string,
  expected: number,
  timeoutMs = 30_000,
  settleMs = 1500,
): Promise<IncomingRecord[]> {
  const subscription = await broker.subscribe({
    groupId: uniqueName('drain'),
    topics: [topic],
    maxBatch: 5000,
    maxWaitMs: 50,
  })
  const records: IncomingRecord[] = []
  const iterator = subscription[Symbol.asyncIterator]()
  const deadline = Date.now() + timeoutMs
  let settleUntil = Number.POSITIVE_INFINITY
  try {
    while (Date.now() < Math.min(deadline, settleUntil)) {
      const next = iterator.next()
      const wait = Math.max(1, Math.min(deadline, settleUntil) - Date.now())
      let timer: NodeJS.Timeout | undefined
      const result = await Promise.race([
        next,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), wait)
        }),
      ])
      clearTimeout(timer)
      if (!result) {
        // The pending next() is abandoned with the subscription below.
        break
      }
      if (result.done) break
      records.push(...result.value.records)
      if (records.length >= expected && settleUntil === Number.POSITIVE_INFINITY)
        settleUntil = Date.now() + settleMs
    }
  } finally {
    await subscription.close()
  }
  return records
}
