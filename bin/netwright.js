#!/usr/bin/env node
// The `netwright` command: runs the TypeScript CLI through tsx's loader, so the engine's .ts
// sources are used as they are, with no build step.
import { register } from 'tsx/esm/api';

register();
// `serve` runs for hours and `bench` measures speed: they run from a child with glibc's malloc
// settings (host/mallocSettings.ts), started before the CLI loads, so the waiting launcher stays
// small. Not `train`: a terminal's Ctrl+C reaches the launcher's whole process group, so the
// forwarded signal would make train's second Ctrl+C (quit without saving) out of the first.
const RELAUNCHED = new Set(['serve', 'bench']);
const { relaunchWithMallocSettings } = await import('../host/mallocSettings.ts');
if (!(RELAUNCHED.has(process.argv[2]) && relaunchWithMallocSettings())) await import('../cli/main.ts');
