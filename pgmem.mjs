import { PGlite } from '@electric-sql/pglite'
const [dir, conf] = [process.argv[2], process.argv[3]]
const opts = conf ? { postgresqlconf: conf.split(';') } : {}
const db = new PGlite(dir, opts)
await db.waitReady
const r = await db.query("select current_setting('shared_buffers') sb, current_setting('work_mem') wm, current_setting('maintenance_work_mem') mwm, current_setting('wal_buffers') wb")
// touch data
await db.query("select count(*) from measurements").catch(()=>{})
const s = (await import('node:fs')).readFileSync('/proc/self/status','utf8')
console.log(JSON.stringify(r.rows[0]), s.match(/VmRSS:\s+\d+/)[0], s.match(/VmHWM:\s+\d+/)[0])
await db.close()
