import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { LogLockedError } from './embedded-errors.ts'

/** Directories this process has open; a second instance on one directory would corrupt it. */
const openHere = new Set<string>()

/** Whether process `pid` is running (as any user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * An exclusive claim on a log directory: a file holding the owner's pid. Node has no flock, so a
 * lock left by a process that died is recognised by its pid no longer running and taken over.
 * A lock holding this process's own pid is stale as well when this process does not have the
 * directory open: in a container the restarted app often gets the same pid as the one that died.
 */
export class DirectoryLock {
  readonly #path: string
  readonly #directory: string

  private constructor(directory: string) {
    this.#directory = directory
    this.#path = join(directory, 'broker.lock')
  }

  static async acquire(directory: string): Promise<DirectoryLock> {
    const resolved = resolve(directory)
    if (openHere.has(resolved)) {
      throw new LogLockedError(`The embedded log in ${resolved} is already open in this process`)
    }
    await mkdir(resolved, { recursive: true })
    const lock = new DirectoryLock(resolved)
    if (!(await lock.#tryCreate())) {
      const holder = await lock.#holder()
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
        throw new LogLockedError(
          `The embedded log in ${resolved} is in use by process ${holder}; stop it, or delete ${lock.#path} if that process is not Flowline`,
        )
      }
      // Re-read right before removing, to narrow the window in which two processes both take over.
      if ((await lock.#holder()) === holder) await unlink(lock.#path).catch(() => {})
      if (!(await lock.#tryCreate())) {
        throw new LogLockedError(`Another process took the lock ${lock.#path} at the same time`)
      }
    }
    openHere.add(resolved)
    return lock
  }

  async #tryCreate(): Promise<boolean> {
    try {
      await writeFile(this.#path, `${process.pid}\n`, { flag: 'wx' })
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw error
    }
  }

  async #holder(): Promise<number | undefined> {
    const content = await readFile(this.#path, 'utf8').catch(() => '')
    const pid = Number.parseInt(content, 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  }

  async release(): Promise<void> {
    openHere.delete(this.#directory)
    if ((await this.#holder()) === process.pid) await unlink(this.#path).catch(() => {})
  }
}
