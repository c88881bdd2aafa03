import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileDurably } from './durable-files.ts'

export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`
}

/**
 * The committed offsets of one consumer group, in one JSON file replaced atomically on each
 * commit. Commits that arrive while a file write is in progress share the next write, so a busy
 * group costs one write+fsync per round, not one per batch.
 */
export class GroupOffsets {
  readonly groupId: string
  readonly #path: string
  /** "topic/partition" → offset of the next record to consume. Only ever grows. */
  readonly #committed: Map<string, bigint>
  #writing: Promise<void> | undefined
  #queued: Promise<void> | undefined

  private constructor(groupId: string, path: string, committed: Map<string, bigint>) {
    this.groupId = groupId
    this.#path = path
    this.#committed = committed
  }

  static async load(directory: string, groupId: string): Promise<GroupOffsets> {
    // Group ids are free text; encoding keeps them from naming a path outside the directory.
    const path = join(directory, `${encodeURIComponent(groupId)}.json`)
    const committed = new Map<string, bigint>()
    try {
      const saved = JSON.parse(await readFile(path, 'utf8')) as { offsets: Record<string, string> }
      for (const [key, offset] of Object.entries(saved.offsets)) committed.set(key, BigInt(offset))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    return new GroupOffsets(groupId, path, committed)
  }

  committed(topic: string, partition: number): bigint | undefined {
    return this.#committed.get(partitionKey(topic, partition))
  }

  /** Stores the offsets that are ahead of what is stored; resolves once they are on disk. */
  commit(offsets: ReadonlyMap<string, bigint>): Promise<void> {
    for (const [key, offset] of offsets) {
      const current = this.#committed.get(key)
      // Monotonic: a late commit from a member that lost the partition must not rewind it.
      if (current === undefined || offset > current) this.#committed.set(key, offset)
    }
    return this.#persist()
  }

  #persist(): Promise<void> {
    if (this.#queued) return this.#queued
    if (!this.#writing) {
      this.#writing = this.#write().finally(() => {
        this.#writing = undefined
      })
      return this.#writing
    }
    // A write is running with an older snapshot: join the one after it.
    this.#queued = this.#writing
      .catch(() => {})
      .then(() => {
        this.#queued = undefined
        return this.#persist()
      })
    return this.#queued
  }

  async #write(): Promise<void> {
    const offsets: Record<string, string> = {}
    for (const [key, offset] of this.#committed) offsets[key] = offset.toString()
    await writeFileDurably(this.#path, JSON.stringify({ groupId: this.groupId, offsets }))
  }

  /** Waits for commits in progress, so that close does not cut one short. */
  async settle(): Promise<void> {
    await Promise.allSettled([this.#writing, this.#queued])
  }
}
