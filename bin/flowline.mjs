#!/usr/bin/env node
// Runs the TypeScript sources directly: Node 24 strips erasable types without a build step.
import '../src/main.ts'
