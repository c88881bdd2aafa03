import { setTimeout as sleep } from 'node:timers/promises'
import type { FlowReading, FlowTopology } from './flow-model.ts'
import { buildFlowSnapshot } from './flow-model.ts'
import type { FlowSnapshot, PartitionLag } from './flow-snapshot.ts'
import type { Sample } from './metric-samples.ts'
import { FLOW_ROLES, type FlowRole, type MetricSource } from './metric-sources.ts'

/** Reads the committed offsets of consumer groups against the log end (the Kafka adapter has one). */
export interface GroupLagReader {
  lag(groups: readonly string[], topic: string): Promise<PartitionLag[]>
  close(): Promise<void>
}

export interface FlowSamplerOptions {
  readonly topology: FlowTopology
  readonly sources: readonly MetricSource[]
  readonly groupLag?: GroupLagReader
  readonly intervalMs: number
}

type Listener = (snapshot: FlowSnapshot) => void

/**
 * Reads every source once per interval, while someone listens, and hands each listener the
 * graph. One sampler serves every open console: the roles are read once a tick, not once a viewer.
 */
export class FlowSampler {
  readonly #options: FlowSamplerOptions
  readonly #listeners = new Set<Listener>()
  #timer: NodeJS.Timeout | undefined
  #previous: FlowReading | undefined
  #latest: FlowSnapshot | undefined
  #ticking = false

  constructor(options: FlowSamplerOptions) {
    this.#options = options
  }

  /** The graph of now: two readings a short moment apart when nobody listened before. */
  async snapshot(): Promise<FlowSnapshot> {
    if (this.#latest && this.#timer) return this.#latest
    await this.#tick()
    await new Promise((resolve) => setTimeout(resolve, 200))
    await this.#tick()
    return this.#latest as FlowSnapshot
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener)
    if (this.#latest && this.#timer) listener(this.#latest)
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.#tick(), this.#options.intervalMs)
      this.#timer.unref()
      void this.#tick()
    }
    return () => {
      this.#listeners.delete(listener)
      if (this.#listeners.size === 0) this.#stopTimer()
    }
  }

  async close(): Promise<void> {
    this.#listeners.clear()
    this.#stopTimer()
    await this.#options.groupLag?.close()
  }

  #stopTimer() {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#previous = undefined
  }

  async #tick(): Promise<void> {
    // A slow source must not pile up ticks: the next one waits for this one.
    if (this.#ticking) return
    this.#ticking = true
    try {
      const reading = await this.#read()
      this.#latest = buildFlowSnapshot(this.#options.topology, this.#previous, reading)
      this.#previous = reading
      for (const listener of this.#listeners) listener(this.#latest)
    } finally {
      this.#ticking = false
    }
  }

  async #read(): Promise<FlowReading> {
    const { sources, groupLag, topology } = this.#options
    const health = Object.fromEntries(FLOW_ROLES.map((role) => [role, 'unknown'])) as Record<
      FlowRole,
      FlowReading['health'][FlowRole]
    >
    const where = Object.fromEntries(FLOW_ROLES.map((role) => [role, ''])) as Record<FlowRole, string>
    const samples: Sample[] = []
    const [read, brokerLag] = await Promise.all([
      Promise.allSettled(sources.map((source) => source.read())),
      // A broker that does not answer within the tick leaves the consumers' own gauges in place.
      groupLag &&
        Promise.race([
          groupLag.lag([topology.saverGroup, topology.aggregateGroup], topology.topic),
          sleep(this.#options.intervalMs * 0.8).then(() => undefined),
        ]).catch(() => undefined),
    ])
    read.forEach((result, index) => {
      const source = sources[index]
      if (!source) return
      for (const role of source.roles) {
        health[role] = result.status === 'fulfilled' ? 'up' : 'down'
        where[role] = source.where
      }
      if (result.status === 'fulfilled') samples.push(...result.value)
    })
    return { atMs: Date.now(), samples, health, where, brokerLag }
  }
}
