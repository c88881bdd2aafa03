import type { Registry } from 'prom-client'

/** One value of one metric series, as Prometheus' text format or prom-client's JSON gives it. */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** The samples of an in-process registry: what `/metrics` would print, without the text round trip. */
export async function samplesOfRegistry(registry: Registry): Promise<Sample[]> {
  const samples: Sample[] = []
  for (const metric of await registry.getMetricsAsJSON()) {
    // Histograms are left out: the flow view needs counters and gauges only.
    const type = String(metric.type)
    if (type !== 'counter' && type !== 'gauge') continue
    for (const { labels, value } of metric.values) {
      const text: Record<string, string> = {}
      for (const [key, label] of Object.entries(labels)) text[key] = String(label)
      samples.push({ name: metric.name, labels: text, value })
    }
  }
  return samples
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Parses the Prometheus text exposition format (comments and histograms' series included). */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = LINE.exec(line)
    if (!match) continue
    const [, name = '', labelText = '', valueText = ''] = match
    const labels: Record<string, string> = {}
    for (const [, key = '', value = ''] of labelText.matchAll(LABEL)) {
      labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    }
    samples.push({ name, labels, value: Number(valueText) })
  }
  return samples
}

/** The sum of the series of `name` whose labels include `match`. */
export function sumOf(
  samples: readonly Sample[],
  name: string,
  match: Readonly<Record<string, string | RegExp>> = {},
): number {
  let total = 0
  for (const sample of samples) {
    if (sample.name !== name) continue
    if (Object.entries(match).every(([key, want]) => matches(sample.labels[key], want))) total += sample.value
  }
  return total
}

function matches(value: string | undefined, want: string | RegExp): boolean {
  if (value === undefined) return false
  return typeof want === 'string' ? value === want : want.test(value)
}
