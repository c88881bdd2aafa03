import type { Registry } from 'prom-client'
import { parsePrometheusText, type Sample, samplesOfRegistry } from './metric-samples.ts'

export type FlowRole = 'ingest' | 'saver' | 'aggregate' | 'admin'
export const FLOW_ROLES: readonly FlowRole[] = ['ingest', 'saver', 'aggregate', 'admin']

/** Where the flow view reads the metrics of some roles. */
export interface MetricSource {
  /** The roles whose metrics this source holds. */
  readonly roles: readonly FlowRole[]
  /** Where, for a person (never credentials): `in-process` or the URL. */
  readonly where: string
  /** The samples, or an error when the source does not answer. */
  read(): Promise<Sample[]>
}

/** The roles running in this process share one registry: read it directly. */
export function inProcessSource(registry: Registry, roles: readonly FlowRole[]): MetricSource {
  return { roles, where: 'in-process', read: () => samplesOfRegistry(registry) }
}

/** A role in another process, read over HTTP. A source slower than `timeoutMs` counts as down. */
export function httpSource(role: FlowRole, url: string, timeoutMs = 800): MetricSource {
  return {
    roles: [role],
    where: url,
    async read() {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      return parsePrometheusText(await response.text())
    },
  }
}

/** Parses `--metrics-urls` entries, `role=url`. */
export function httpSourcesOf(entries: readonly string[]): MetricSource[] {
  return entries.map((entry) => {
    const at = entry.indexOf('=')
    return httpSource(entry.slice(0, at) as FlowRole, entry.slice(at + 1))
  })
}
