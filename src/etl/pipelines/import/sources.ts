import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { FlowlineError } from '../../../errors.ts'

export type Format = 'csv' | 'ndjson'

export interface SourceRequest {
  /** A file under the import directory, or an http(s) URL. */
  readonly source: string
  readonly format: Format | 'auto'
  readonly compression: 'gzip' | 'none' | 'auto'
}

export interface OpenedSource {
  /** Decompressed bytes. */
  readonly stream: Readable
  readonly format: Format
  /** Compressed size when known (file size, Content-Length), for progress and ETA. */
  readonly bytesTotal: number | undefined
  /** Bytes read so far from the source (before decompression). */
  bytesRead(): number
}

/**
 * Opens an import's input as a stream, never as a whole: a file (only under `importDir`, so a
 * run cannot read the worker's other files) or an HTTP(S) URL, gunzipped when it is gzip.
 */
export async function openSource(
  request: SourceRequest,
  importDir: string,
  signal: AbortSignal,
): Promise<OpenedSource> {
  const isUrl = /^https?:\/\//i.test(request.source)
  const opened = isUrl
    ? await openUrl(request.source, signal)
    : await openFile(request.source, importDir, signal)
  let bytes = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length
      callback(null, chunk)
    },
  })
  const name = opened.name.toLowerCase().replace(/\.gz$/, '')
  const gzip = request.compression === 'gzip' || (request.compression === 'auto' && opened.gzip)
  const format: Format =
    request.format !== 'auto'
      ? request.format
      : ['.ndjson', '.jsonl'].includes(extname(name)) || opened.contentType.includes('ndjson')
        ? 'ndjson'
        : 'csv'
  let stream: Readable = opened.stream.pipe(counter)
  opened.stream.on('error', (error) => counter.destroy(error))
  if (gzip) {
    const gunzip = createGunzip()
    counter.on('error', (error) => gunzip.destroy(error))
    stream = counter.pipe(gunzip)
  }
  return { stream, format, bytesTotal: opened.size, bytesRead: () => bytes }
}

interface RawSource {
  stream: Readable
  name: string
  size: number | undefined
  gzip: boolean
  contentType: string
}

async function openFile(file: string, importDir: string, signal: AbortSignal): Promise<RawSource> {
  const root = await realpath(resolve(importDir)).catch(() => {
    throw new FlowlineError(
      'SOURCE_INVALID',
      `The import directory ${importDir} does not exist (ETL_IMPORT_DIR)`,
    )
  })
  const path = await realpath(resolve(root, file)).catch(() => {
    throw new FlowlineError('SOURCE_INVALID', `No file ${file} in the import directory`)
  })
  if (!path.startsWith(root + sep))
    throw new FlowlineError('SOURCE_INVALID', `File ${file} is outside the import directory`)
  const info = await stat(path)
  if (!info.isFile()) throw new FlowlineError('SOURCE_INVALID', `${file} is not a file`)
  return {
    stream: createReadStream(path, { signal, highWaterMark: 64 * 1024 }),
    name: path,
    size: info.size,
    gzip: path.toLowerCase().endsWith('.gz'),
    contentType: '',
  }
}

async function openUrl(url: string, signal: AbortSignal): Promise<RawSource> {
  let response: Response
  try {
    response = await fetch(url, { signal, headers: { 'accept-encoding': 'identity' } })
  } catch (error) {
    if (signal.aborted) throw error
    throw new FlowlineError(
      'SOURCE_UNAVAILABLE',
      `Could not fetch ${new URL(url).origin}: ${(error as Error).message}`,
    )
  }
  if (!response.ok || !response.body) {
    const code = response.status >= 500 || response.status === 429 ? 'SOURCE_UNAVAILABLE' : 'SOURCE_INVALID'
    throw new FlowlineError(code, `Fetching the source answered HTTP ${response.status}`)
  }
  const length = Number(response.headers.get('content-length'))
  const contentType = response.headers.get('content-type') ?? ''
  const path = new URL(url).pathname
  return {
    stream: Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
    name: path,
    size: Number.isFinite(length) && length > 0 ? length : undefined,
    gzip: path.toLowerCase().endsWith('.gz') || contentType.includes('gzip'),
    contentType,
  }
}
