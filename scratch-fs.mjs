import { PGlite } from '@electric-sql/pglite'
import fs from 'node:fs'
import { join } from 'node:path'
const pg = new PGlite('/tmp/pglite-fs-check', { startParams: [...PGlite.defaultStartParams, '-c', 'fsync=on', '-c', 'wal_sync_method=fsync'] })
await pg.waitReady
const FS = pg.mod.FS
const fileStream = FS.streams.find((s) => s?.nfd !== undefined)
const ops = fileStream.stream_ops
console.log('has fsync already', typeof ops.fsync, 'mount', fileStream.node.mount.mountpoint, fileStream.node.mount.opts)
let files = 0, dirs = 0
ops.fsync = (stream) => {
  if (stream.nfd !== undefined) { fs.fsyncSync(stream.nfd); files++; return 0 }
  dirs++; console.log('no nfd', stream.path, FS.isDir(stream.node.mode))
  return 0
}
// directories: how are they opened?
const dirStream = FS.streams.find((s) => s && s.nfd === undefined && s.node && FS.isDir(s.node.mode))
console.log('dir stream open now?', !!dirStream, dirStream?.stream_ops === ops)
console.log('fsync', (await pg.query('SHOW fsync')).rows[0], (await pg.query('SHOW wal_sync_method')).rows[0])
await pg.exec('CREATE TABLE IF NOT EXISTS t (v int)')
for (let i = 0; i < 20; i++) await pg.exec('INSERT INTO t SELECT generate_series(1,100)')
await pg.exec('CHECKPOINT'); await pg.exec('CREATE TABLE t2 (v int); INSERT INTO t2 VALUES (1)'); await pg.exec('CHECKPOINT')
console.log('file fsyncs', files, 'dirs', dirs)
await pg.close()
