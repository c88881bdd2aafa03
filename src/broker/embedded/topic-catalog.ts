import { mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TopicSpec } from '../broker.ts'
import { writeFileDurably } from './durable-files.ts'
import { UnknownTopicError } from './embedded-errors.ts'
import { PartitionLog, type PartitionLogOptions } from './partition-log.ts'

/** Kafka's rule for topic names; it also keeps a name from leaving the log directory. */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/

interface TopicMetadata {
  readonly name: string
  readonly partitions: number
}

/**
 * The topics of the log: one metadata file each under `topics/`, and one directory per partition
 * named `<topic>-<partition>`. Partition directories are created before the metadata file, so a
 * crash in between leaves directories that the next `ensure` simply reuses.
 */
export class TopicCatalog {
  readonly #directory: string
  readonly #logOptions: PartitionLogOptions
  readonly #topics = new Map<string, PartitionLog[]>()
  /** Calls to `ensure` run one after the other, so two callers never create one topic twice. */
  #ensuring: Promise<void> = Promise.resolve()

  private constructor(directory: string, logOptions: PartitionLogOptions) {
    this.#directory = directory
    this.#logOptions = logOptions
  }

  static async open(directory: string, logOptions: PartitionLogOptions): Promise<TopicCatalog> {
    const catalog = new TopicCatalog(directory, logOptions)
    const metadataDirectory = join(directory, 'topics')
    await mkdir(metadataDirectory, { recursive: true })
    try {
      for (const file of await readdir(metadataDirectory)) {
        if (!file.endsWith('.json')) continue
        const metadata = JSON.parse(await readFile(join(metadataDirectory, file), 'utf8')) as TopicMetadata
        await catalog.#openTopic(metadata)
      }
    } catch (error) {
      await catalog.close()
      throw error
    }
    return catalog
  }

  async #openTopic(metadata: TopicMetadata): Promise<void> {
    const logs: PartitionLog[] = []
    try {
      for (let partition = 0; partition < metadata.partitions; partition++) {
        const directory = join(this.#directory, `${metadata.name}-${partition}`)
        logs.push(await PartitionLog.open(metadata.name, partition, directory, this.#logOptions))
      }
    } catch (error) {
      await Promise.allSettled(logs.map((log) => log.close()))
      throw error
    }
    this.#topics.set(metadata.name, logs)
  }

  /** Creates the topics that do not exist. Like Kafka, an existing topic keeps its partition count. */
  ensure(specs: readonly TopicSpec[]): Promise<void> {
    const run = this.#ensuring.then(() => this.#create(specs))
    this.#ensuring = run.catch(() => {})
    return run
  }

  async #create(specs: readonly TopicSpec[]): Promise<void> {
    for (const spec of specs) {
      if (this.#topics.has(spec.name)) continue
      if (!TOPIC_NAME.test(spec.name) || spec.name === '.' || spec.name === '..') {
        throw new Error(`Invalid topic name "${spec.name}": use 1 to 249 of A-Z a-z 0-9 . _ -`)
      }
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
        throw new Error(
          `Topic "${spec.name}" needs a positive whole number of partitions, not ${spec.partitions}`,
        )
      }
      const metadata: TopicMetadata = { name: spec.name, partitions: spec.partitions }
      await this.#openTopic(metadata)
      await writeFileDurably(join(this.#directory, 'topics', `${spec.name}.json`), JSON.stringify(metadata))
    }
  }

  partitionsOf(topic: string): number {
    return this.#logsOf(topic).length
  }

  log(topic: string, partition: number): PartitionLog {
    const log = this.#logsOf(topic)[partition]
    if (!log) throw new Error(`Topic "${topic}" has no partition ${partition}`)
    return log
  }

  logs(): PartitionLog[] {
    return [...this.#topics.values()].flat()
  }

  #logsOf(topic: string): PartitionLog[] {
    const logs = this.#topics.get(topic)
    if (!logs) throw new UnknownTopicError(topic)
    return logs
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.logs().map((log) => log.close()))
  }
}
