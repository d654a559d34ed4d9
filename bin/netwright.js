#!/usr/bin/env node
// The `netwright` command: runs the TypeScript CLI through tsx's loader, so the engine's .ts
// sources are used as they are, with no build step.
import { register } from 'tsx/esm/api';

register();
// `serve` runs for hours: it serves from a child with glibc's arena limit (host/mallocArenas.ts),
// started before the CLI loads, so this waiting launcher stays small.
const { relaunchWithArenaLimit } = await import('../host/mallocArenas.ts');
if (!(process.argv[2] === 'serve' && relaunchWithArenaLimit())) await import('../cli/main.ts');
