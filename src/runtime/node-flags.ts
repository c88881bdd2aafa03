/**
 * V8 flags every Flowline process starts with. They cannot be set once the process runs
 * (`v8.setFlagsFromString` does not resize the young generation), so each entry point passes
 * them: `bin/flowline.mjs`, the npm scripts, the Dockerfile, and the spawners of the tests,
 * benchmarks and fault suite. A unit test keeps those in step with this list.
 *
 * `--max-semi-space-size=16`: on a large machine V8 sizes the young generation up to 128 MB,
 * most of ingest's RSS under load. Capped at 2 × 16 MB, ingest's peak RSS at full load fell from
 * 423 to 309 MB and at 10,000 measurements/s from 207 to 174 MB, for the same CPU per
 * measurement (bench/results/ANALYSIS.md, §4).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16']
