// Graph -> inference ONNX model: opset 17 by default (13 to 21 on request) with the IR version that
// opset came with, weights as initializers, BatchNorm in inference form, Dropout removed, a symbolic
// batch dimension, readable names and metadata.
import { analyze } from '../analysis/analyze.ts';
import type { ProjectDocument } from '../graph/document.ts';
import { getLayer } from '../layers/index.ts';
import { paramInputName } from '../params.ts';
import { resolveWeights, type WeightMap } from '../weights.ts';
import { OnnxBuilder, tensorInfo } from './builder.ts';
import { lowerGraph } from './lower.ts';
import { float16Tensor, float32Tensor, tensorToFloat32 } from './tensor.ts';
import type { OnnxModel, OnnxValueInfo } from './types.ts';
import { DataType } from './types.ts';

export const MIN_OPSET = 13;
export const MAX_OPSET = 21;
/** What PyTorch's exporter writes by default, and ours. */
export const DEFAULT_OPSET = 17;

/** The IR version each opset was released with (onnx/helper.py VERSION_TABLE): 1.12 -> IR 8 / 17 ... 1.16 -> IR 10 / 21. */
export function irVersionFor(opset: number): number {
  return opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
}

export interface ExportOptions {
  opset?: number;
  fp16?: boolean;
  /** Weights to write; the document's stored weights (or a seeded PyTorch-style init) otherwise. */
  weights?: WeightMap;
  seed?: number;
  producerVersion?: string;
  /** Parameters become graph inputs instead of initializers: the trainer's evaluation model,
   *  created once and fed the current weights. */
  weightsAsInputs?: boolean;
}

export class ExportError extends Error {
  constructor(readonly problems: string[]) {
    super(`The model can't be exported yet:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ExportError';
  }
}

/** Everything the chosen opset can't express, or the graph's own errors, as sentences. */
export function exportProblems(doc: ProjectDocument, opset: number): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET)
    problems.push(
      `opset ${opset} is not supported: choose an opset from ${MIN_OPSET} to ${MAX_OPSET} (${DEFAULT_OPSET} is what PyTorch writes).`,
    );
  const a = analyze(doc.graph);
  for (const d of a.diagnostics) if (d.severity === 'error') problems.push(d.message);
  for (const n of doc.graph.nodes) {
    const def = getLayer(n.type);
    const need = def?.minOpset ?? MIN_OPSET;
    if (need > opset)
      problems.push(`${n.name} (${n.type}) needs opset ${need} or newer; export with --opset ${need}.`);
    // Layers need their shapes to be written; only imported ONNX ops can go without.
    const result = a.nodes.get(n.id);
    let why: string | null | undefined;
    try {
      why = def?.exportCheck?.(n.attributes as never, opset, result?.inputShapes ?? []);
    } catch (e) {
      // A damaged imported node whose adaptation fails is a reason not to export, not a crash.
      why = `it can't be written as ONNX (${(e as Error)?.message ?? e})`;
    }
    if (why) problems.push(`${n.name}: ${why}.`);
    if (
      def &&
      !def.shapeMayBeUnknown &&
      result &&
      !result.outputShape &&
      !result.diagnostics.some((d) => d.severity === 'error')
    )
      problems.push(
        `${n.name} (${n.type}): its shape can't be inferred (${result.diagnostics[0]?.message ?? 'an input shape is unknown'}); give the model's Input a known shape.`,
      );
  }
  if (!doc.graph.nodes.some((n) => n.type === 'Input'))
    problems.push('the model has no Input node; add one so the ONNX graph has an input.');
  return problems;
}

export function exportInference(doc: ProjectDocument, opts: ExportOptions = {}): OnnxModel {
  const opset = opts.opset ?? DEFAULT_OPSET;
  const problems = exportProblems(doc, opset);
  if (problems.length) throw new ExportError(problems);
  const analysis = analyze(doc.graph);
  const byId = new Map(doc.graph.nodes.map((n) => [n.id, n]));
  const b = new OnnxBuilder(opset);
  const paramName = (id: string, p: string) => paramInputName(byId.get(id)!, p);
  const paramInputs: OnnxValueInfo[] = [];
  if (opts.weightsAsInputs) {
    for (const id of analysis.order)
      for (const spec of analysis.nodes.get(id)!.parameters)
        paramInputs.push(tensorInfo(b.name(paramName(id, spec.name)), spec.shape));
  } else {
    // Weights given beside the document (a .netwright file's, a run's) may cover only some
    // layers; the rest come from doc.weights or a fresh start.
    const weights = resolveWeights(analysis, doc.weights, opts.seed ?? 0, opts.weights);
    for (const [id, params] of weights)
      for (const [p, values] of params) {
        const spec = analysis.nodes.get(id)!.parameters.find((s) => s.name === p)!;
        b.initializer(float32Tensor(paramName(id, p), spec.shape, values));
      }
  }
  const lowered = lowerGraph(b, doc.graph, analysis, { training: false, paramTensor: paramName, opset });

  // A graph output must be produced by a node: name pass-through outputs with an Identity.
  const outputs: OnnxValueInfo[] = lowered.sinks.map((id) => {
    const name = byId.get(id)!.name;
    let tensor = lowered.tensors.get(id)!;
    if (tensor !== name && !b.nodes.some((n) => n.outputs.includes(name)))
      tensor = b.op('Identity', [tensor], {}, { name, output: name });
    const elemType = (lowered.types.get(id)?.[0] ?? DataType.FLOAT) as DataType;
    const shape = analysis.nodes.get(id)!.outputShape;
    // An imported op whose shape can't be inferred is declared with its type only.
    return shape
      ? tensorInfo(tensor, shape, elemType)
      : { name: tensor, type: { kind: 'tensor' as const, elemType } };
  });
  const inputs = [
    ...lowered.inputs.map((i) => tensorInfo(i.name, i.shape, i.elemType as DataType)),
    ...paramInputs,
  ];
  for (const n of b.nodes) {
    const node = doc.graph.nodes.find((g) => g.name === n.name);
    if (!node) continue;
    const attributes = JSON.stringify(node.attributes);
    n.docString = `${getLayer(node.type)!.torch ?? node.type} ${attributes.length > 400 ? `${attributes.slice(0, 400)}...` : attributes}`;
  }

  let initializers = b.initializers;
  if (opts.fp16) {
    initializers = initializers.map((t) =>
      t.dataType === DataType.FLOAT ? float16Tensor(t.name, t.dims, tensorToFloat32(t)) : t,
    );
    for (const v of [...inputs, ...outputs])
      if (v.type?.kind === 'tensor' && v.type.elemType === DataType.FLOAT) v.type.elemType = DataType.FLOAT16;
  }
  return {
    irVersion: irVersionFor(opset),
    opsetImport: [
      { domain: '', version: opset },
      ...[...b.domains].map(([domain, version]) => ({ domain, version })),
    ],
    producerName: 'netwright',
    producerVersion: opts.producerVersion ?? '0.1.0',
    docString: doc.description ?? doc.name,
    metadataProps: [{ key: 'netwright.model', value: doc.name }],
    graph: {
      name: doc.name,
      nodes: b.nodes,
      initializers,
      inputs,
      outputs,
      valueInfo: [],
      docString: doc.description,
    },
  };
}
