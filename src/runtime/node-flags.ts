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

/**
 * Flags of one role, in place of NODE_FLAGS of the same name, where its launcher knows the role:
 * the Docker Compose service, the Helm chart and the harness. Started another way (`flowline
 * saver` from a shell) the role runs with NODE_FLAGS alone: correct, without this tuning.
 *
 * The saver's young generation at 2 × 64 MB: a batch then dies young instead of being promoted
 * while its insert runs. Batched at max load, the saver's CPU fell from 4.8–5.1 to 3.9–4.2 µs a
 * measurement and E2E rose ~8 %, for ~80 MB more of its peak RSS (459–486 → 499–569 MB); 2 × 32 MB
 * kept its RSS and saved half as much (ANALYSIS.md, "The saver's young generation").
 */
export const ROLE_NODE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  saver: ['--max-semi-space-size=64'],
}

const flagName = (flag: string) => flag.split('=')[0]

/** The V8 flags `role` starts with: its own, and NODE_FLAGS it does not set. */
export function nodeFlagsFor(role: string): string[] {
  const own = ROLE_NODE_FLAGS[role] ?? []
  const names = new Set(own.map(flagName))
  return [...NODE_FLAGS.filter((flag) => !names.has(flagName(flag))), ...own]
}
