import { open, rename } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * Makes the creation, rename or removal of entries in `directory` survive a power cut: fsync on a
 * file covers its data, not the directory entry that names it.
 */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Replaces `path` atomically: a crash leaves either the old or the new content, never a mix,
 * because the new content is complete and synced before the rename makes it visible.
 */
export async function writeFileDurably(path: string, content: string): Promise<void> {
  const temporary = `${path}.tmp`
  const handle = await open(temporary, 'w')
  try {
    await handle.writeFile(content)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temporary, path)
  await syncDirectory(dirname(path))
}
