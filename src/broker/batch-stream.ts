import type { Readable } from 'node:stream'

/**
 * Groups the items of an object stream into arrays of at most `maxBatch`, handing out a partial
 * array once `maxWaitMs` has passed since its first item. The stream is paused while a full
 * batch waits to be taken, so memory stays bounded by one batch plus the stream's own buffer.
 */
export async function* batchesOf<T>(
  stream: Readable,
  maxBatch: number,
  maxWaitMs: number,
): AsyncGenerator<T[]> {
  const pending: T[] = []
  let firstAt = 0
  let ended = false
  let failure: unknown
  let wake: (() => void) | undefined
  const notify = () => {
    wake?.()
    wake = undefined
  }
  stream.on('data', (item: T) => {
    if (pending.length === 0) firstAt = Date.now()
    pending.push(item)
    if (pending.length >= maxBatch) stream.pause()
    notify()
  })
  stream.once('end', () => {
    ended = true
    notify()
  })
  stream.once('close', () => {
    ended = true
    notify()
  })
  stream.once('error', (error) => {
    failure = error
    notify()
  })
  try {
    while (true) {
      if (failure) throw failure
      const waited = Date.now() - firstAt
      if (pending.length >= maxBatch || (pending.length > 0 && (waited >= maxWaitMs || ended))) {
        const batch = pending.splice(0, maxBatch)
        if (pending.length > 0) firstAt = Date.now()
        if (pending.length < maxBatch && stream.isPaused()) stream.resume()
        yield batch
        continue
      }
      if (ended) return
      await new Promise<void>((resolve) => {
        wake = resolve
        if (pending.length > 0) setTimeout(notify, maxWaitMs - waited).unref()
      })
    }
  } finally {
    stream.removeAllListeners('data')
  }
}
