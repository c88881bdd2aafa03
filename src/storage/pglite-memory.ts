import type { PGlite } from '@electric-sql/pglite'

/**
 * The size of a PGlite instance's WASM memory: PostgreSQL's heap, shared buffers included. It
 * grows to the most any statement needed and is never given back (WASM memory cannot shrink).
 */
export function wasmMemoryBytes(instance: PGlite): number | undefined {
  // `mod` is PGlite's Emscripten module, not part of its typed API.
  return (instance as unknown as { mod?: { HEAPU8?: Uint8Array } }).mod?.HEAPU8?.byteLength
}
