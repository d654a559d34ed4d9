// The layer boundaries and the file-size limit are lint rules (eslint.config.js). Each rule is run
// through ESLint's Node API with the project's own config on a small snippet placed where it would
// live, once breaking the rule and once keeping it, so a rule that stops firing fails here.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

/** The rules that fire on `code` if it were the file at `filePath` (relative to the repository). */
async function firedRules(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return [...new Set(result.messages.map((m) => m.ruleId ?? `fatal: ${m.message}`))];
}

const importOf = (spec: string) => `import { x } from '${spec}';\nexport const y = x;\n`;

/** A test that `code`, placed at `filePath`, makes exactly `rules` fire. */
const firing = (title: string, filePath: string, code: string, rules: string[]) =>
  it(title, async () => assert.deepEqual(await firedRules(filePath, code), rules));

describe('lint: import boundaries', () => {
  const forbidden: [file: string, spec: string][] = [
    // renderer/ reaches engine/ and protocol/ only, at any depth.
    ['renderer/main.tsx', '../host/api.ts'],
    ['renderer/app/App.tsx', '../../server/index.ts'],
    ['renderer/training/race/TrainingRace.tsx', '../../../electron/main.ts'],
    ['renderer/canvas/Canvas.tsx', '../../cli/main.ts'],
    ['renderer/canvas/Canvas.tsx', '../../../outside-the-repo.ts'],
    ['renderer/state/store.ts', 'node:fs'],
    ['renderer/state/store.ts', 'electron'],
    // protocol/ reaches engine/ only.
    ['protocol/hostApi.ts', '../host/api.ts'],
    ['protocol/rpc.ts', '../server/index.ts'],
    ['protocol/bridge.ts', '../electron/preload.ts'],
    ['protocol/commands.ts', '../renderer/app/commands.ts'],
    ['protocol/rpc.ts', 'node:buffer'],
    // engine/ reaches nothing outside itself.
    ['engine/index.ts', '../protocol/hostApi.ts'],
    ['engine/graph/document.ts', '../../host/autosave.ts'],
    ['engine/onnx/import/importer.ts', '../../../renderer/format.ts'],
    ['engine/onnx/import/importer.ts', '../../../test/helpers/python.ts'],
    ['engine/weights.ts', 'node:fs'],
    ['engine/weights.ts', 'react'],
  ];
  for (const [file, spec] of forbidden)
    firing(`refuses ${spec} in ${file}`, file, importOf(spec), ['no-restricted-imports']);

  // no-restricted-imports does not see import() calls; no-restricted-syntax does.
  const dynamicImport = (spec: string) => `export const load = () => import('${spec}');\n`;
  firing(
    'refuses import() of host/ in renderer/',
    'renderer/app/commands.ts',
    dynamicImport('../../host/training/runs.ts'),
    ['no-restricted-syntax'],
  );
  firing(
    'refuses import() of cli/ in engine/',
    'engine/graph/layout.ts',
    dynamicImport('../../cli/main.ts'),
    ['no-restricted-syntax'],
  );
  firing('accepts import() of a package in engine/', 'engine/graph/layout.ts', dynamicImport('elkjs'), []);
  firing(
    'refuses export ... from across a boundary',
    'protocol/index.ts',
    "export * from '../host/api.ts';\n",
    ['no-restricted-imports'],
  );

  const allowed: [file: string, spec: string][] = [
    ['renderer/main.tsx', '../engine/index.ts'],
    ['renderer/app/App.tsx', '../../protocol/commands.ts'],
    ['renderer/training/race/TrainingRace.tsx', '../../../engine/index.ts'],
    ['renderer/training/race/TrainingRace.tsx', '../../components/palette.ts'],
    ['renderer/canvas/Canvas.tsx', '../state/appStore.ts'],
    ['renderer/canvas/Canvas.tsx', '@xyflow/react'],
    ['protocol/hostApi.ts', '../engine/index.ts'],
    ['protocol/hostApi.ts', './rpc.ts'],
    ['engine/onnx/import/importer.ts', '../../graph/document.ts'],
    ['engine/onnx/import/importer.ts', 'protobufjs'],
    // host/ is not fenced by these rules: it is the Node side.
    ['host/training/runs.ts', '../../protocol/training.ts'],
  ];
  for (const [file, spec] of allowed) firing(`accepts ${spec} in ${file}`, file, importOf(spec), []);
});

describe('lint: at most 500 lines of code per source file', () => {
  const code = (n: number) =>
    Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n';
  const padding = (n: number) => Array.from({ length: n }, (_, i) => `// note ${i}\n\n`).join('');

  for (const folder of ['engine', 'host', 'renderer', 'protocol', 'server', 'cli'])
    firing(`refuses 501 lines of code in ${folder}/`, `${folder}/big/file.ts`, code(501), ['max-lines']);
  firing('counts neither blank lines nor comments', 'host/file.ts', padding(300) + code(500), []);
  firing('leaves tests alone', 'test/unit/big.test.ts', code(600), []);

  it('exempts only files that are still over the limit', async () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory()
          ? sources(join(dir, e.name))
          : /\.tsx?$/.test(e.name) && !e.name.endsWith('.gen.ts')
            ? [join(dir, e.name)]
            : [],
      );
    const files = ['engine', 'host', 'renderer', 'protocol', 'server', 'cli'].flatMap(sources);
    const exempt: string[] = [];
    for (const f of files) {
      const config = await eslint.calculateConfigForFile(f);
      const severity = [config.rules?.['max-lines']].flat()[0];
      if (severity === 0 || severity === 'off') exempt.push(f);
    }
    assert.ok(files.length > 100, `only ${files.length} source files found`);
    const strict = new ESLint({
      cwd: process.cwd(),
      overrideConfig: {
        rules: { 'max-lines': ['error', { max: 500, skipBlankLines: true, skipComments: true }] },
      },
    });
    for (const f of exempt) {
      const [result] = await strict.lintFiles([f]);
      assert.ok(
        result.messages.some((m) => m.ruleId === 'max-lines'),
        `${f} is within 500 lines of code now: remove its max-lines exemption from eslint.config.js`,
      );
    }
  });
});
