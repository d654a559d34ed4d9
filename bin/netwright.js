#!/usr/bin/env node
// The `netwright` command: runs the TypeScript CLI through tsx's loader, so the engine's .ts
// sources are used as they are, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
