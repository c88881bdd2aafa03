#!/usr/bin/env -S node --max-semi-space-size=16
// Runs the TypeScript sources directly: Node 24 strips erasable types without a build step.
// The flags on the first line are src/runtime/node-flags.ts's, which says why.
import { enableCompileCache } from 'node:module'

// Every start would otherwise type-strip and compile the same ~1,900 modules again (about a third
// of a second of CPU); the cache lives in the OS temp directory unless NODE_COMPILE_CACHE says where.
enableCompileCache()
await import('../src/main.ts')
