// Models that real PyTorch exports (torch_exports.py, run through python.ts), once per test file:
// their ONNX files, a seeded input, PyTorch's own output, and its counts (parameters, conv/linear
// MACs) and, for models exported in training mode, one step's loss and gradients.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPythonJson } from './python.ts';
import { repoRoot } from './templates.ts';
import { tempDir } from './tempDir.ts';

export interface TorchModel {
  name: string;
  /** The ONNX file PyTorch wrote (opset 17; BatchNorm kept, not folded into the convolutions). */
  path: string;
  /** model.parameters() element count. */
  params: number;
  /** Channels of all BatchNorm2d layers (folding them removes 2C parameters, adds C biases). */
  bnChannels: number;
  /** Multiply-accumulates per sample (Conv2d and Linear, or the encoder's formula). */
  macs: number;
  input: number[];
  output: number[];
  x: Float32Array;
  /** PyTorch's own output for x (absent for training-mode models). */
  y?: Float32Array;
  targets?: number[];
  loss?: number;
  grads?: Record<string, number[]>;
}

function floats(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Exports the named models into a fresh temporary folder. */
export function exportTorchModels(names: string[], timeoutMs = 600_000): Map<string, TorchModel> {
  const dir = tempDir('nw-torch-');
  const script = readFileSync(join(repoRoot, 'test', 'helpers', 'torch_exports.py'), 'utf8');
  const info = runPythonJson<Record<string, Omit<TorchModel, 'name' | 'path' | 'x' | 'y'>>>(
    script,
    [dir, names.join(',')],
    { timeoutMs },
  );
  const out = new Map<string, TorchModel>();
  for (const [name, m] of Object.entries(info)) {
    const y = m.grads ? undefined : floats(join(dir, `${name}.y.bin`));
    out.set(name, { ...m, name, path: join(dir, `${name}.onnx`), x: floats(join(dir, `${name}.x.bin`)), y });
  }
  return out;
}
