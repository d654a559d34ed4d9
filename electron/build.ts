// Bundles electron/main.ts and electron/preload.ts into dist/electron/*.cjs with Vite. The preload
// must be one CommonJS file: a sandboxed preload can require only 'electron'.
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'vite';
import { repoRoot } from '../host/paths.ts';

const external = ['electron', 'ws', 'zod', /^node:/, ...builtinModules];

for (const entry of ['main', 'preload']) {
  await build({
    configFile: false,
    root: repoRoot,
    logLevel: 'warn',
    build: {
      outDir: join(repoRoot, 'dist', 'electron'),
      emptyOutDir: false,
      minify: false,
      target: 'node20',
      ssr: true,
      lib: {
        entry: join(repoRoot, 'electron', `${entry}.ts`),
        formats: ['cjs'],
        fileName: () => `${entry}.cjs`,
      },
      rolldownOptions: { external: entry === 'preload' ? ['electron'] : external },
    },
  });
}
console.log('Built dist/electron/main.cjs and dist/electron/preload.cjs');
