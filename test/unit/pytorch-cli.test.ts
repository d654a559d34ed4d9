// `netwright export MODEL --format pytorch -o DIR`, with a project file or an .onnx file as MODEL,
// and the mistakes a user can make on the command line.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, exportInference, resolveWeights } from '../../engine/index.ts';
import { encodeModel } from '../../engine/onnx/proto.ts';
import { decodeSafetensors, toFloat32 } from '../../engine/tensor/safetensors.ts';
import { exportCommand } from '../../cli/export.ts';
import { trainConfig } from '../../cli/train.ts';
import { CliError } from '../../cli/errors.ts';
import { loadTemplate, templatesDir } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const dir = tempDir('netwright-pytorch-cli-');
after(() => rmSync(dir, { recursive: true, force: true }));
const lenet = join(templatesDir, 'lenet5.netwright.json');

test('an .onnx MODEL exports with its initializers as weights.safetensors, under the state_dict names', async () => {
  const doc = loadTemplate('lenet5');
  const weights = resolveWeights(analyze(doc.graph), undefined, 2);
  const onnxPath = join(dir, 'lenet.onnx');
  writeFileSync(onnxPath, encodeModel(exportInference(doc, { weights })));
  const out = join(dir, 'from-onnx');
  await exportCommand(onnxPath, { format: 'pytorch', output: out });
  const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(join(out, 'weights.safetensors'))));
  assert.equal(tensors.size, 10, 'five layers, weight and bias each');
  const key = [...tensors.keys()].find(
    (k) => k.endsWith('.weight') && tensors.get(k)!.shape.join('x') === '6x1x5x5',
  )!;
  assert.ok(key, [...tensors.keys()].join(', '));
  assert.deepEqual(toFloat32(tensors.get(key)!), weights.get('conv2d_1')!.get('weight'));
  assert.match(
    readFileSync(join(out, 'model.py'), 'utf8'),
    new RegExp(`self\\.${key.split('.')[0]} = nn\\.Conv2d\\(1, 6, kernel_size=5, padding=2\\)`),
  );
});

test('command-line mistakes are named with what to do, and nothing is written', async () => {
  const out = join(dir, 'never');
  const fails = (o: Parameters<typeof exportCommand>[1], pattern: RegExp) =>
    assert.rejects(exportCommand(lenet, o), (e: Error) => e instanceof CliError && pattern.test(e.message));
  await fails({ format: 'torchscript', output: out }, /--format torchscript: choose onnx .* or pytorch/);
  await fails({ format: 'pytorch' }, /needs an output folder: -o DIR/);
  await fails({ format: 'pytorch', output: out, fp16: true }, /--opset and --fp16 are for --format onnx/);
  assert.ok(!existsSync(out));
});

test('train --shuffle and --provider: parsed, kept by a resumed run unless given again, bad values named', () => {
  assert.equal(trainConfig({ shuffle: 'none' }).shuffle, false);
  assert.equal(trainConfig({ shuffle: 'random' }).shuffle, true);
  assert.equal(trainConfig({}).provider, 'cpu');
  const saved = trainConfig({ shuffle: 'none', provider: 'auto' });
  assert.equal(trainConfig({}, saved).shuffle, false);
  assert.equal(trainConfig({}, saved).provider, 'auto');
  assert.equal(trainConfig({ shuffle: 'random' }, saved).shuffle, true);
  assert.throws(() => trainConfig({ shuffle: 'sorted' }), /--shuffle sorted: choose random or none\./);
});
