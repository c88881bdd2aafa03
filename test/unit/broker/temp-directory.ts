import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A fresh directory for one test, removed after it. */
export async function tempDirectory(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'flowline-log-'))
  t.after(() => rm(directory, { recursive: true, force: true, maxRetries: 10 }))
  return directory
}
