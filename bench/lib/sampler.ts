import { cpuSecondsOf, machineCpuSeconds, memoryOf } from '../../harness/index.ts'

/** Named groups of processes whose CPU is accounted together (pids resolved at each snapshot). */
export type ProcessGroups = Readonly<Record<string, () => readonly number[]>>

export interface CpuSnapshot {
  readonly atMs: number
  readonly groups: Record<string, number>
  readonly machineBusy: number
  readonly harness: number
}

export function cpuSnapshot(groups: ProcessGroups): CpuSnapshot {
  const seconds: Record<string, number> = {}
  for (const [name, pids] of Object.entries(groups))
    seconds[name] = pids().reduce((sum, pid) => sum + cpuSecondsOf(pid), 0)
  const usage = process.cpuUsage()
  return {
    atMs: Date.now(),
    groups: seconds,
    machineBusy: machineCpuSeconds().busy,
    harness: (usage.user + usage.system) / 1e6,
  }
}

/**
 * Cores each group used between two snapshots, the whole machine's busy cores, and `others`:
 * what the machine spent beyond our processes (other users of a shared box).
 */
export function coresBetween(
  before: CpuSnapshot,
  after: CpuSnapshot,
  loadCores: number,
): Record<string, number> {
  const wallS = Math.max(0.001, (after.atMs - before.atMs) / 1000)
  const round = (value: number) => Math.round(value * 100) / 100
  const cores: Record<string, number> = {}
  let ours = 0
  for (const name of Object.keys(after.groups)) {
    const used = ((after.groups[name] ?? 0) - (before.groups[name] ?? 0)) / wallS
    cores[name] = round(used)
    ours += used
  }
  const harness = (after.harness - before.harness) / wallS
  cores.load = loadCores
  cores.harness = round(harness)
  cores.machine = round((after.machineBusy - before.machineBusy) / wallS)
  cores.others = round(Math.max(0, cores.machine - ours - loadCores - harness))
  return cores
}

export interface TimelinePoint {
  readonly tS: number
  readonly produced: number
  readonly inserted: number
  /** Records the aggregators consumed (their checkpoint moved past), when the pipeline has any. */
  readonly aggregated?: number
  readonly ingestRssMb: number
  readonly ingestAnonMb: number
}

/** Samples counters and ingest memory once a second until stopped; bounded by `maxPoints`. */
export function startTimeline(
  originMs: number,
  ingestPid: number,
  counters: () => Promise<{ produced: number; inserted: number; aggregated?: number }>,
  maxPoints = 3600,
) {
  const points: TimelinePoint[] = []
  let stopped = false
  const tick = async () => {
    while (!stopped && points.length < maxPoints) {
      const next = Date.now() + 1000
      try {
        const { produced, inserted, aggregated } = await counters()
        const memory = memoryOf(ingestPid)
        points.push({
          tS: Math.round((Date.now() - originMs) / 100) / 10,
          produced,
          inserted,
          aggregated,
          ingestRssMb: Math.round((memory?.rssKb ?? 0) / 1024),
          ingestAnonMb: Math.round((memory?.anonKb ?? 0) / 1024),
        })
      } catch {
        // a process busy beyond the scrape timeout: skip this point
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())))
    }
  }
  const running = tick()
  return {
    points,
    async stop() {
      stopped = true
      await running
    },
  }
}

/** Linear interpolation of a counter at time `tS` from the samples around it. */
export function counterAt(points: readonly TimelinePoint[], tS: number, pick: (p: TimelinePoint) => number) {
  let before: TimelinePoint | undefined
  for (const point of points) {
    if (point.tS <= tS) before = point
    else {
      if (!before) return pick(point)
      const share = (tS - before.tS) / (point.tS - before.tS)
      return pick(before) + share * (pick(point) - pick(before))
    }
  }
  return before ? pick(before) : 0
}
