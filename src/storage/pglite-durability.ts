import { closeSync, existsSync, fsyncSync, openSync } from 'node:fs'
import { open, readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { PGlite, type PGliteOptions } from '@electric-sql/pglite'
import { NodeFS } from '@electric-sql/pglite/nodefs'

/**
 * PGlite starts PostgreSQL with `-F` (fsync off), and its file system on Node, Emscripten's NODEFS,
 * has no fsync either: `fsync()` and `fdatasync()` return success without a system call
 * (electric-sql/pglite#1107, PGlite 0.5.16 checked with strace). A commit then sits in the
 * operating system's cache, and a power loss can take it while the embedded log, which syncs,
 * says the batch was stored. Turning fsync back on makes PostgreSQL ask at every commit and
 * checkpoint; `SyncedNodeFS` makes the ask reach the disk. `wal_sync_method=fsync`: Emscripten's
 * `fdatasync` cannot be given a body, its `fsync` can.
 */
export const SYNCED_START_PARAMS: readonly string[] = ['-c', 'fsync=on', '-c', 'wal_sync_method=fsync']

/** Directories synced after a file's first sync; forgotten past this many (syncing one again is harmless). */
const MAX_REMEMBERED_FILES = 10_000

interface NodeFsStream {
  readonly nfd?: number
  readonly node: unknown
}

interface EmscriptenNodeFs {
  readonly stream_ops: { fsync?: (stream: NodeFsStream) => number }
  realPath(node: unknown): string
}

let filesSynced = 0

/** Files and directories synced in this thread (`SyncedNodeFS`, `syncTree`): what tests read to see that syncs reach the disk. */
export function syncedFileCount(): number {
  return filesSynced
}

/**
 * Gives NODEFS a `fsync` that syncs the file on disk, and on the first sync of a file, the
 * directory holding it: a new WAL segment or relation file must keep its name after a crash too.
 */
function addFsync(nodefs: EmscriptenNodeFs): void {
  const syncedDirectoryOf = new Set<string>()
  nodefs.stream_ops.fsync = (stream) => {
    // Only regular files have a native descriptor; PostgreSQL's directory syncs never get here.
    if (stream.nfd === undefined) return 0
    fsyncSync(stream.nfd)
    filesSynced += 1
    const path = nodefs.realPath(stream.node)
    if (!syncedDirectoryOf.has(path)) {
      if (syncedDirectoryOf.size >= MAX_REMEMBERED_FILES) syncedDirectoryOf.clear()
      syncDirectory(dirname(path))
      syncedDirectoryOf.add(path)
    }
    return 0
  }
}

/** Best effort: Windows cannot open a directory to sync it (EPERM); NTFS journals its directory entries. */
export function syncDirectory(path: string): void {
  let directory: number
  try {
    directory = openSync(path, 'r')
  } catch {
    return
  }
  try {
    fsyncSync(directory)
  } catch {
    // As above: a platform that cannot sync a directory.
  } finally {
    closeSync(directory)
  }
}

/** PGlite's NodeFS whose fsync reaches the disk (see `SYNCED_START_PARAMS`). */
export class SyncedNodeFS extends NodeFS {
  override async init(...args: Parameters<NodeFS['init']>): ReturnType<NodeFS['init']> {
    const { emscriptenOpts } = await super.init(...args)
    // After NodeFS's own step, which mounts NODEFS; before PostgreSQL starts and writes.
    const patch = (mod: unknown) => addFsync((mod as { NODEFS: EmscriptenNodeFs }).NODEFS)
    return { emscriptenOpts: { ...emscriptenOpts, preRun: [...(emscriptenOpts.preRun ?? []), patch] } }
  }
}

export interface OpenedPGlite {
  readonly pglite: PGlite
  /** PGlite's `waitReady`, then, for a directory it has just created, every file of it synced. */
  readonly ready: Promise<void>
}

/**
 * A PGlite whose commits are synced to disk when it has a directory; one in memory (no
 * directory) has nothing to sync. PGlite's initdb writes a new directory's hundreds of files with
 * a handful of syncs, so a new directory is synced whole once, as `initdb --sync-only` would,
 * before `ready` lets anything use it.
 */
export function openPGlite(dataDir: string | undefined, synced: boolean): OpenedPGlite {
  if (!synced || dataDir === undefined) {
    const pglite = new PGlite(dataDir)
    return { pglite, ready: pglite.waitReady }
  }
  // initdb writes PG_VERSION into a directory it made.
  const created = !existsSync(join(dataDir, 'PG_VERSION'))
  const options: PGliteOptions = {
    fs: new SyncedNodeFS(dataDir),
    startParams: [...PGlite.defaultStartParams, ...SYNCED_START_PARAMS],
  }
  const pglite = new PGlite(options)
  const ready = pglite.waitReady.then(async () => {
    if (created) await syncTree(dataDir)
  })
  return { pglite, ready }
}

/** Syncs every file and directory under `root`, and `root` itself; returns how many. */
export async function syncTree(root: string): Promise<number> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
  const directories = [
    ...entries.filter((entry) => entry.isDirectory()).map((entry) => join(entry.parentPath, entry.name)),
    root,
  ]
  for (const path of files) {
    const handle = await open(path, 'r')
    try {
      await handle.sync()
      filesSynced += 1
    } finally {
      await handle.close()
    }
  }
  // After their files, so that each directory's entries name files already on disk.
  for (const path of directories) {
    syncDirectory(path)
    filesSynced += 1
  }
  return files.length + directories.length
}
