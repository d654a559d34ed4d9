// `netwright export MODEL -o out.onnx [--opset 17] [--fp16]`: an inference ONNX model with its
// weights. MODEL is a project file or an .onnx file (imported, then written again). Problems are
// listed, with what to change, before anything is written; the file is written atomically.
import { encodeModel } from '../engine/onnx/proto.ts';
import {
  DEFAULT_OPSET,
  ExportError,
  exportInference,
  exportProblems,
  irVersionFor,
  MAX_OPSET,
  MIN_OPSET,
} from '../engine/onnx/export.ts';
import { saveFileAtomic, SaveError } from '../host/saveFileAtomic.ts';
import { CliError } from './errors.ts';
import { loadModelWithWeights } from './loadModel.ts';

export interface ExportOptions {
  output?: string;
  opset?: string;
  fp16?: boolean;
  json?: boolean;
}

export async function exportCommand(model: string, o: ExportOptions): Promise<void> {
  if (!o.output) throw new CliError('export needs an output file: -o out.onnx');
  const opset = o.opset === undefined ? DEFAULT_OPSET : Number(o.opset);
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET)
    throw new CliError(
      `--opset ${o.opset}: choose an opset from ${MIN_OPSET} to ${MAX_OPSET} (${DEFAULT_OPSET} is what PyTorch writes).`,
    );
  const { doc, weights, notes } = loadModelWithWeights(model);
  const problems = exportProblems(doc, opset);
  if (problems.length)
    throw new CliError(
      `${model} can't be exported yet. Change these first:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  let bytes: Uint8Array;
  let nodes = 0;
  let initializers = 0;
  try {
    const onnx = exportInference(doc, { opset, fp16: !!o.fp16, weights });
    nodes = onnx.graph.nodes.length;
    initializers = onnx.graph.initializers.length;
    bytes = encodeModel(onnx);
  } catch (e) {
    if (e instanceof ExportError) throw new CliError(e.message);
    throw e;
  }
  try {
    await saveFileAtomic(o.output, bytes);
  } catch (e) {
    if (e instanceof SaveError) throw new CliError(e.message);
    throw e;
  }
  const summary = {
    output: o.output,
    bytes: bytes.byteLength,
    opset,
    irVersion: irVersionFor(opset),
    fp16: !!o.fp16,
    nodes,
    initializers,
  };
  if (o.json) console.log(JSON.stringify(summary));
  else {
    for (const n of notes) console.error(`note: ${n}`);
    console.log(
      `Wrote ${o.output}: ${nodes} ONNX nodes, ${initializers} initializers, ${(bytes.byteLength / 1e6).toFixed(2)} MB (IR ${irVersionFor(opset)}, opset ${opset}${o.fp16 ? ', float16' : ''}).`,
    );
  }
}
