import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'

/** A CSV of `rows` readings of 1,000 sensors, one a second each (about 66 bytes a row); returns its size. */
export async function writeBenchCsv(path: string, rows: number): Promise<number> {
  const out = createWriteStream(path)
  const start = Date.parse('2026-11-01T00:00:00Z')
  out.write('sensor_id,temperature,timestamp\n')
  for (let i = 0; i < rows; i += 10_000) {
    const lines: string[] = []
    for (let j = i; j < Math.min(rows, i + 10_000); j++)
      lines.push(
        `bench-${j % 1000},${((j % 500) / 10).toFixed(1)},${new Date(start + Math.floor(j / 1000) * 1000).toISOString()}\n`,
      )
    if (!out.write(lines.join(''))) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return (await stat(path)).size
}
