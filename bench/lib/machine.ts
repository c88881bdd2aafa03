import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism, cpus, release, totalmem } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadAverage, machineCpuSeconds } from '../../harness/index.ts'
import type { BenchServices } from './services.ts'

export interface MachineInfo {
  readonly nproc: number
  readonly memoryGb: number
  readonly cpuModel: string
  readonly kernel: string
}

export function machineInfo(): MachineInfo {
  return {
    nproc: availableParallelism(),
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    kernel: release(),
  }
}

function packageVersion(name: string): string {
  try {
    const path = new URL(`../../node_modules/${name}/package.json`, import.meta.url)
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version
  } catch {
    return 'not installed'
  }
}

export async function versions(services: BenchServices): Promise<Record<string, string>> {
  const wrk = spawnSync('wrk', ['-v'], { encoding: 'utf8' })
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' })
  return {
    node: process.version,
    kafka: services.kafkaVersion,
    postgresql: await services.postgresVersion(),
    java: /version "([^"]+)"/.exec(java.stderr ?? '')?.[1] ?? 'unknown',
    fastify: packageVersion('fastify'),
    '@platformatic/kafka': packageVersion('@platformatic/kafka'),
    pg: packageVersion('pg'),
    undici: packageVersion('undici'),
    wrk: wrk.error ? 'not installed' : (/wrk (\S+)/.exec(`${wrk.stdout}${wrk.stderr}`)?.[1] ?? 'unknown'),
  }
}

export interface Quietness {
  readonly loadAverage: readonly number[]
  /** Busy cores of the whole machine over a 3 s probe just before the measurement. */
  readonly busyCores: number
  readonly waitedS: number
  readonly quiet: boolean
}

async function busyCores(seconds: number): Promise<number> {
  const before = machineCpuSeconds()
  await sleep(seconds * 1000)
  const after = machineCpuSeconds()
  return Math.round(((after.busy - before.busy) / seconds) * 100) / 100
}

/**
 * Waits, at most `maxWaitS`, for a quiet machine: a 1-minute load average below `threshold`,
 * or fewer than 0.25 busy cores right now (the load average lags by a minute, so after our own
 * previous scenario it stays high although nothing runs any more).
 */
export async function waitForQuiet(maxWaitS: number, threshold: number): Promise<Quietness> {
  const started = Date.now()
  while (true) {
    // Without a wait allowed (the CI smoke run) a short probe only records how busy the machine was.
    const busy = await busyCores(maxWaitS > 0 ? 3 : 0.5)
    const load = loadAverage()
    const quiet = load[0] < threshold || busy < 0.25
    if (quiet || Date.now() - started >= maxWaitS * 1000)
      return { loadAverage: load, busyCores: busy, waitedS: Math.round((Date.now() - started) / 1000), quiet }
    await sleep(2000)
  }
}
