import { setTimeout as sleep } from 'node:timers/promises'

/** Sums every sample of a Prometheus metric (all label sets, or those whose line `where` accepts) in a text exposition. */
export function metricSum(text: string, name: string, where?: (line: string) => boolean): number {
  let total = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue
    if (where && !where(line)) continue
    total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0
  }
  return total
}

/** GET `<baseUrl>/metrics`, a few tries (a busy process may answer late); throws after the last. */
export async function scrapeMetrics(baseUrl: string, tries = 10): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) })
      const text = await response.text()
      if (response.ok) return text
      if (attempt >= tries)
        throw new Error(`GET ${baseUrl}/metrics answered ${response.status}: ${text.slice(0, 200)}`)
    } catch (error) {
      if (attempt >= tries) throw error
    }
    await sleep(200)
  }
}
