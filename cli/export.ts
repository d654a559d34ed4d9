// `netwright export MODEL -o out.onnx [--opset 17] [--fp16]`: an inference ONNX model with its
// weights. MODEL is a project file or an .onnx file (imported, then written again). Problems are
// listed, with what to change, before anything is written; the file is written atomically.
import { exportInference, exportProblems, MAX_OPSET, MIN_OPSET } from '../engine/index.ts';
import { encodeModel } from '../engine/onnx/index.ts';
import { saveFileAtomic } from '../host/saveFileAtomic.ts';
import { CliError } from './errors.ts';
import { loadModelWithWeights } from './loadModel.ts';
import { checkOutputFile } from './outputs.ts';

export interface ExportOptions {
  output?: string;
  opset?: string;
  fp16?: boolean;
  json?: boolean;
}

export async function exportCommand(model: string, o: ExportOptions): Promise<void> {
  if (!o.output) throw new CliError('export needs an output file: -o out.onnx');
  const opset = o.opset === undefined ? MAX_OPSET : Number(o.opset);
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET)
    throw new CliError(
      `--opset ${o.opset}: choose an opset from ${MIN_OPSET} to ${MAX_OPSET} (17 is what PyTorch writes).`,
    );
  await checkOutputFile('-o', o.output);
  const { doc, weights, notes } = loadModelWithWeights(model);
  const problems = exportProblems(doc, opset);
  if (problems.length)
    throw new CliError(
      `${model} can't be exported yet. Change these first:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  const onnx = exportInference(doc, { opset, fp16: !!o.fp16, weights });
  const nodes = onnx.graph.nodes.length;
  const initializers = onnx.graph.initializers.length;
  const bytes = encodeModel(onnx);
  await saveFileAtomic(o.output, bytes);
  const summary = {
    output: o.output,
    bytes: bytes.byteLength,
    opset,
    irVersion: 8,
    fp16: !!o.fp16,
    nodes,
    initializers,
  };
  if (o.json) console.log(JSON.stringify(summary));
  else {
    for (const n of notes) console.error(`note: ${n}`);
    console.log(
      `Wrote ${o.output}: ${nodes} ONNX nodes, ${initializers} initializers, ${(bytes.byteLength / 1e6).toFixed(2)} MB (IR 8, opset ${opset}${o.fp16 ? ', float16' : ''}).`,
    );
  }
}
