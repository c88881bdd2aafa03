#!/usr/bin/env -S node --max-semi-space-size=16
// Runs the TypeScript sources directly: Node 24 strips erasable types without a build step.
// The flags on the first line are src/runtime/node-flags.ts's, which says why.
import '../src/main.ts'
