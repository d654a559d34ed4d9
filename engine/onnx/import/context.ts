// What the import phases share (importer.ts runs them in order): the ONNX graph with every value
// followed through it, the options, and the notes for the user. Also the public option, report
// and error types of an import.
import type { ProjectDocument } from '../../graph/document.ts';
import type { WeightMap } from '../../weights.ts';
import type { OnnxGraph, OnnxModel, OnnxNode, OnnxValueInfo } from '../types.ts';
import type { ValueInfo } from './infer/index.ts';

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

export interface ImportOptions {
  /** Project name; the ONNX graph's name otherwise. */
  name?: string;
  /** Shapes measured by running the model (host/onnxShapes.ts), by tensor name. */
  measuredShapes?: ReadonlyMap<string, readonly number[]>;
  /**
   * Write the weights into doc.weights as base64 (default true). Tensors too large for a JSON
   * string are left out with a note either way; `weights` in the result always has them all.
   */
  embedWeights?: boolean;
  /**
   * Fold each BatchNormalization (inference form) that follows a Conv into the Conv's weight and
   * bias, as PyTorch's exporter does by default; off by default, so a BatchNorm stays trainable.
   */
  foldBatchNorm?: boolean;
  /**
   * Fill parameters that a large ConstantOfShape makes (default true). False imports the structure
   * only, as `summary` and the fuzz tests need: such parameters (a "light" model's placeholders)
   * are left out of the weights, as in a freshly built layer, and never written into memory.
   */
  fillWeights?: boolean;
}

export interface ImportReport {
  /** Netwright layers created, by type (OnnxOp counted under `opaque`). */
  layers: Record<string, number>;
  /** Opaque nodes by ONNX operator type. */
  opaque: Record<string, number>;
  /** Things a user should know (fixed symbolic sizes, folded constants, dropped nodes). */
  notes: string[];
  /** Tensors whose shape stayed unknown; measuring by running the model fills them. */
  unknownShapes: string[];
  /** ONNX graph input / output name -> node id. */
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  /** node id -> parameter -> the ONNX tensor (initializer or folded constant) it holds. */
  parameterSources: Record<string, Record<string, string>>;
}

export interface ImportResult {
  doc: ProjectDocument;
  report: ImportReport;
  /** Every parameter's values (also those too large to embed in the document). */
  weights: WeightMap;
}

export const STD = (domain: string) => domain === '' || domain === 'ai.onnx';

/** One ONNX value (tensor name) as far as it is known without running the model. */
export interface Value {
  name: string;
  info: ValueInfo;
  /** Producing node index and output port; absent for graph inputs and initializers. */
  producer?: { node: number; port: number };
  initializer?: boolean;
}

export interface ImportContext {
  model: OnnxModel;
  g: OnnxGraph;
  opts: ImportOptions;
  nodes: readonly OnnxNode[];
  /** Graph inputs that are not initializers (IR-3 files list the weights among the inputs). */
  graphInputs: OnnxValueInfo[];
  /** Every value by name: initializers, graph inputs, node outputs once inferred. */
  values: Map<string, Value>;
  /** dim_params naming the batch at position 0 of the graph inputs (they become 'N'). */
  batchParams: Set<string>;
  /** Shapes and types the file records (value_info, graph outputs). */
  recorded: Map<string, ValueInfo>;
  /** Names each node's subgraphs read from enclosing scopes. */
  outerRefs: string[][];
  /** Node indices in topological order, and each node's place in it. */
  order: number[];
  position: Map<number, number>;
  graphOutputs: Set<string>;
  /** Tensors whose shape stayed unknown after inference. */
  unknownShapes: string[];
  notes: string[];
  note(text: string): void;
  /** The opset version the model declares for a domain (1 when it names none). */
  opsetOf(domain: string): number;
}

export function label(n: OnnxNode, i: number): string {
  return n.name ? `'${n.name}'` : `#${i}`;
}

/** A node all of whose outputs are constants: folded into values, never a node of the project. */
export function isConstNode(ctx: ImportContext, i: number): boolean {
  return ctx.nodes[i].outputs.every((o) => !o || ctx.values.get(o)!.info.value !== undefined);
}
