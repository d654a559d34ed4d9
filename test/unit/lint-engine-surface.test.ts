// The engine's entry points are a lint rule (eslint.config.js): outside engine/, code imports
// engine/index.ts, engine/onnx/index.ts or engine/data/index.ts and nothing deeper. ESLint's Node
// API lints a one-line import placed where it would live, once past the surface and once through it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });
const RULE = '@typescript-eslint/no-restricted-imports';

async function surfaceErrors(filePath: string, spec: string): Promise<number> {
  const code = `import { x } from '${spec}';\nexport const y = x;\n`;
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === RULE).length;
}

test('outside engine/, imports past its entry points are refused', async () => {
  const past: [string, string][] = [
    ['host/training/session.ts', '../../engine/onnx/proto.ts'],
    ['host/training/session.ts', '../../engine/weights.ts'],
    ['cli/bench.ts', '../engine/data/random.ts'],
    ['cli/train.ts', '../engine/autodiff/trainStep.ts'],
    ['protocol/training.ts', '../engine/graph/document.ts'],
    ['server/index.ts', '../engine/layers/index.ts'],
    ['scripts/make-templates.ts', '../engine/families/lenet5.ts'],
  ];
  for (const [file, spec] of past) assert.equal(await surfaceErrors(file, spec), 1, `${spec} in ${file}`);
  const through: [string, string][] = [
    ['host/training/session.ts', '../../engine/index.ts'],
    ['cli/loadModel.ts', '../engine/onnx/index.ts'],
    ['host/data/load.ts', '../../engine/data/index.ts'],
    // engine/ itself is free inside.
    ['engine/autodiff/trainStep.ts', '../onnx/proto.ts'],
  ];
  for (const [file, spec] of through) assert.equal(await surfaceErrors(file, spec), 0, `${spec} in ${file}`);
});
