// `netwright export MODEL -o out.onnx [--opset 17] [--fp16]`: an inference ONNX model with its
// weights; `--format pytorch -o DIR`: a PyTorch project (host/pytorchProject.ts). MODEL is a project
// file or an .onnx file (imported, then written again). Problems are listed, with what to change,
// before anything is written; every file is written atomically.
import {
  DEFAULT_OPSET,
  exportInference,
  exportProblems,
  irVersionFor,
  MAX_OPSET,
  MIN_OPSET,
  PytorchExportError,
} from '../engine/index.ts';
import { encodeModel } from '../engine/onnx/index.ts';
import { saveFileAtomic } from '../host/saveFileAtomic.ts';
import { buildPytorchProject, writePytorchProject } from '../host/pytorchProject.ts';
import { CliError } from './errors.ts';
import { loadModelWithWeights } from './loadModel.ts';
import { checkOutputFile } from './outputs.ts';

export interface ExportOptions {
  output?: string;
  format?: string;
  opset?: string;
  fp16?: boolean;
  json?: boolean;
}

async function exportPytorch(model: string, o: ExportOptions & { output: string }): Promise<void> {
  const started = performance.now();
  const { doc, weights, notes } = loadModelWithWeights(model);
  let project;
  try {
    project = await buildPytorchProject(doc, { weights });
  } catch (e) {
    if (e instanceof PytorchExportError)
      throw new CliError(
        `${model} can't be exported as PyTorch yet. Change these first:\n${e.problems.map((p) => `  - ${p}`).join('\n')}`,
      );
    throw e;
  }
  await writePytorchProject(o.output, project);
  const seconds = (performance.now() - started) / 1000;
  const files = [...project.files.keys()];
  if (o.json)
    console.log(
      JSON.stringify({ output: o.output, format: 'pytorch', className: project.className, files, seconds }),
    );
  else {
    for (const n of notes) console.error(`note: ${n}`);
    console.log(
      `Wrote ${o.output}: ${files.join(', ')} (class ${project.className}) in ${seconds.toFixed(2)} s. Next: cd ${o.output} && python train.py`,
    );
  }
}

export async function exportCommand(model: string, o: ExportOptions): Promise<void> {
  const format = o.format ?? 'onnx';
  if (format !== 'onnx' && format !== 'pytorch')
    throw new CliError(`--format ${format}: choose onnx (an .onnx file) or pytorch (a project folder).`);
  if (format === 'pytorch') {
    if (!o.output) throw new CliError('export --format pytorch needs an output folder: -o DIR');
    if (o.fp16 || o.opset !== undefined)
      throw new CliError(
        '--opset and --fp16 are for --format onnx; a PyTorch project keeps float32 weights.',
      );
    return exportPytorch(model, { ...o, output: o.output });
  }
  if (!o.output) throw new CliError('export needs an output file: -o out.onnx');
  const opset = o.opset === undefined ? DEFAULT_OPSET : Number(o.opset);
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET)
    throw new CliError(
      `--opset ${o.opset}: choose an opset from ${MIN_OPSET} to ${MAX_OPSET} (${DEFAULT_OPSET} is what PyTorch writes).`,
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
