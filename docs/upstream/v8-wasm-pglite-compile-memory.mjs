// How much memory V8 takes, for an instant, to optimise PGlite's WebAssembly: PGlite runs on a
// worker thread, a statement workload makes V8 tier its hot functions up, and the main thread
// samples the process's resident memory every 10 ms. Compare with `node --liftoff-only`.
//
// The database is made first in a child process: initdb's own peak (~1.1 GB) would hide the one
// measured here.
//
//   node v8-wasm-pglite-compile-memory.mjs [seconds=20] [data-dir=/tmp/pglite-compile-memory]
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { isMainThread, Worker, workerData } from 'node:worker_threads'

if (process.argv[2] === '--init') {
  const { PGlite } = await import('@electric-sql/pglite')
  await (await PGlite.create(process.argv[3])).close()
  process.exit(0)
}
const seconds = Number(process.argv[2] ?? 20)
const dataDir = process.argv[3] ?? '/tmp/pglite-compile-memory'
const status = () => readFileSync('/proc/self/status', 'utf8')
const kb = (field) => Number(status().match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? 0)

if (isMainThread) {
  if (!existsSync(`${dataDir}/PG_VERSION`))
    spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--init', dataDir], { stdio: 'inherit' })
  const samples = []
  const started = Date.now()
  const sampler = setInterval(() => samples.push([Date.now() - started, kb('VmRSS')]), 10)
  const worker = new Worker(new URL(import.meta.url), { argv: [String(seconds)], workerData: dataDir })
  worker.on('message', (message) =>
    console.log(`${((Date.now() - started) / 1000).toFixed(1)} s  ${message}`),
  )
  await new Promise((resolve, reject) => worker.on('exit', resolve).on('error', reject))
  clearInterval(sampler)
  // The largest rise within half a second: a compile's zone comes and goes that fast.
  let jump = { from: 0, to: 0, at: 0 }
  for (let i = 0; i < samples.length; i++)
    for (let j = i + 1; j < samples.length && samples[j][0] - samples[i][0] <= 500; j++)
      if (samples[j][1] - samples[i][1] > jump.to - jump.from)
        jump = { from: samples[i][1], to: samples[j][1], at: samples[j][0] }
  console.log(
    `Node ${process.versions.node} (V8 ${process.versions.v8}), flags: ${process.execArgv.join(' ') || 'none'}\n` +
      `peak RSS (VmHWM) ${Math.round(kb('VmHWM') / 1024)} MB; at the end ${Math.round(kb('VmRSS') / 1024)} MB\n` +
      `largest rise within 0.5 s: ${Math.round(jump.from / 1024)} -> ${Math.round(jump.to / 1024)} MB at ${(jump.at / 1000).toFixed(1)} s`,
  )
} else {
  const { PGlite } = await import('@electric-sql/pglite')
  const { parentPort } = await import('node:worker_threads')
  const db = await PGlite.create(workerData)
  parentPort.postMessage('PGlite ready')
  await db.exec(`DROP TABLE IF EXISTS readings; CREATE TABLE readings (sensor_id text, ts timestamptz, temperature double precision,
                 PRIMARY KEY (sensor_id, ts))`)
  const until = Date.now() + seconds * 1000
  let rows = 0
  for (let batch = 0; Date.now() < until; batch++) {
    const ids = Array.from({ length: 2000 }, (_, i) => `sensor-${i}`)
    const times = ids.map(() => new Date(Date.UTC(2026, 0, 1) + batch * 1000).toISOString())
    const values = ids.map((_, i) => 20 + (i % 100) / 10)
    await db.query(`INSERT INTO readings SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[])`, [
      ids,
      times,
      values,
    ])
    await db.query(
      'SELECT sensor_id, count(*), avg(temperature) FROM readings WHERE sensor_id = $1 GROUP BY 1',
      [`sensor-${batch % 2000}`],
    )
    rows += ids.length
    if (batch % 50 === 0) parentPort.postMessage(`${rows} rows`)
  }
  await db.close()
}
