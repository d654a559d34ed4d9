// model.py: the graph as one nn.Module subclass named after the project, its layers as attributes
// named after the nodes, a forward() that follows the graph, and load_model() reading the weights
// from a safetensors-layout file with numpy. Each layer's PyTorch spelling comes from its own
// file (toTorch), or from its `torch` field and attributes (spelling.ts).
import type { Analysis } from '../../analysis/analyze.ts';
import type { ProjectDocument } from '../../graph/document.ts';
import type { GraphNode } from '../../graph/graph.ts';
import type { TorchHelper, TorchSpelling } from '../../layer.ts';
import { minInputs } from '../../layer.ts';
import { getLayer } from '../../layers/index.ts';
import { className, identifier, py } from './python.ts';
import { MODULE_ATTRIBUTES, torchSpelling } from './spelling.ts';

/** One entry of the module's state_dict and where its value comes from. */
export interface StateEntry {
  key: string;
  shape: number[];
  /** The project parameter it holds; absent for PyTorch-only state (num_batches_tracked). */
  source?: { nodeId: string; param: string };
  dtype: 'F32' | 'I64';
}

export interface TorchModel {
  className: string;
  /** model.py's text. */
  source: string;
  /** The state_dict, in PyTorch's order (module registration, then parameters before buffers). */
  state: StateEntry[];
  /** The one Input's per-sample shape, when the model has exactly one. */
  inputShape?: number[];
}

export class PytorchExportError extends Error {
  constructor(readonly problems: string[]) {
    super(`The model can't be exported as PyTorch yet:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PytorchExportError';
  }
}

interface Layer {
  node: GraphNode;
  spelling: Exclude<TorchSpelling, { refuse: string }>;
  /** The attribute holding the module (module spellings). */
  attr?: string;
}

/**
 * The analysis' topological order, rearranged to follow one chain as far as it goes before
 * starting another (a residual block's main path, then its shortcut), as a person writes forward().
 */
export function chainOrder(doc: ProjectDocument, analysis: Analysis): string[] {
  const rank = new Map(analysis.order.map((id, i) => [id, i]));
  const needs = new Map<string, number>();
  const consumers = new Map<string, string[]>();
  for (const e of doc.graph.edges) {
    needs.set(e.target, (needs.get(e.target) ?? 0) + 1);
    consumers.set(e.source, [...(consumers.get(e.source) ?? []), e.target]);
  }
  const ready = analysis.order.filter((id) => !needs.get(id));
  const order: string[] = [];
  let last: string | undefined;
  while (ready.length) {
    const next = (last && consumers.get(last)?.filter((c) => ready.includes(c))) || [];
    const pick = (next.length ? next : ready).reduce((a, b) => (rank.get(a)! <= rank.get(b)! ? a : b));
    ready.splice(ready.indexOf(pick), 1);
    order.push(pick);
    for (const c of consumers.get(pick) ?? []) {
      needs.set(c, needs.get(c)! - 1);
      if (needs.get(c) === 0) ready.push(c);
    }
    last = pick;
  }
  return order;
}

/** Every node's spelling, or every problem in the way (named by node). */
function spellAll(doc: ProjectDocument, analysis: Analysis): Map<string, Layer> {
  const problems: string[] = analysis.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  if (!doc.graph.nodes.some((n) => n.type === 'Input'))
    problems.push('the model has no Input node; add one so forward() has an argument.');
  const byId = new Map(doc.graph.nodes.map((n) => [n.id, n]));
  const layers = new Map<string, Layer>();
  const taken = new Set(MODULE_ATTRIBUTES);
  for (const id of chainOrder(doc, analysis)) {
    const node = byId.get(id)!;
    const def = getLayer(node.type)!;
    if (minInputs(def) === 0) continue;
    const result = analysis.nodes.get(id)!;
    if (!result.outputShape) {
      problems.push(
        `${node.name} (${node.type}): its output shape is unknown; give the model's Input a known shape.`,
      );
      continue;
    }
    const spelling = torchSpelling(def, {
      attrs: node.attributes as never,
      inputShapes: result.inputShapes as never,
      outputShape: result.outputShape,
      params: result.parameters,
    });
    if ('refuse' in spelling) {
      problems.push(
        `${node.name} (${def.opLabel?.(node.attributes as never) ?? node.type}): ${spelling.refuse}.`,
      );
      continue;
    }
    if ('expression' in spelling && result.parameters.length)
      problems.push(`${node.name} (${node.type}) has parameters but no PyTorch module to hold them.`);
    let attr: string | undefined;
    if ('module' in spelling) {
      attr = identifier(node.name, 'layer');
      for (let k = 2; taken.has(attr); k++) attr = `${identifier(node.name, 'layer')}_${k}`;
      taken.add(attr);
    }
    layers.set(id, { node, spelling, attr });
  }
  if (problems.length) throw new PytorchExportError(problems);
  return layers;
}

/** Variables of forward(): `x` along the main path, `out`, `out2`... for branches, reused once dead. */
class Variables {
  private free: string[] = [];
  private count = 0;
  constructor(private readonly rank: (name: string) => number) {}
  release(name: string): void {
    this.free.push(name);
    this.free.sort((a, b) => this.rank(a) - this.rank(b));
  }
  fresh(): string {
    return this.free.shift() ?? (++this.count === 1 ? 'out' : `out${this.count}`);
  }
}

const rankOf = (args: string[]) => (name: string) => {
  const i = args.indexOf(name);
  if (i >= 0) return i;
  return args.length + (name === 'out' ? 1 : Number(name.slice(3)));
};

function forwardBody(
  doc: ProjectDocument,
  analysis: Analysis,
  layers: Map<string, Layer>,
  args: Map<string, string>,
) {
  const incoming = new Map<string, string[]>();
  const remaining = new Map<string, number>();
  for (const e of doc.graph.edges) {
    let list = incoming.get(e.target);
    if (!list) incoming.set(e.target, (list = []));
    list[e.targetPort] = e.source;
    remaining.set(e.source, (remaining.get(e.source) ?? 0) + 1);
  }
  const vars = new Variables(rankOf([...args.values()]));
  const varOf = new Map(args);
  const lines: string[] = [];
  for (const id of layers.keys()) {
    const layer = layers.get(id);
    if (!layer) continue;
    const sources = incoming.get(id) ?? [];
    const inputs = sources.map((s) => varOf.get(s)!);
    const s = layer.spelling;
    const expr =
      'expression' in s
        ? s.expression(inputs)
        : (s.call ?? ((self: string, xs: string[]) => `${self}(${xs.join(', ')})`))(
            `self.${layer.attr}`,
            inputs,
          );
    const dying = [...new Set(sources)].filter((src) => {
      remaining.set(src, remaining.get(src)! - sources.filter((x) => x === src).length);
      return remaining.get(src) === 0;
    });
    const dead = [...new Set(dying.map((d) => varOf.get(d)!))];
    const target = dead.length
      ? dead.sort((a, b) => rankOf([...args.values()])(a) - rankOf([...args.values()])(b))[0]
      : vars.fresh();
    for (const v of dead) if (v !== target) vars.release(v);
    varOf.set(id, target);
    lines.push(`${target} = ${expr}`);
  }
  const sinks = analysis.order.filter((id) => layers.has(id) && !remaining.has(id));
  lines.push(`return ${sinks.map((id) => varOf.get(id)).join(', ')}`);
  return lines;
}

function docstring(
  doc: ProjectDocument,
  cls: string,
  shape: number[] | undefined,
  hasWeights: boolean,
): string {
  const about = doc.description?.trim() ? `\n\n${doc.description.trim().replace(/"""/g, "'''")}` : '';
  const sample = shape ? `torch.randn(8, ${shape.join(', ')})` : 'inputs';
  return `"""${doc.name.replace(/"""/g, "'''")}: a PyTorch module exported from Netwright.${about}

    model = load_model()  # ${hasWeights ? 'the exported weights (weights.safetensors beside this file)' : "PyTorch's default initialisation"}
    y = model(${sample})
"""`;
}

const READER = `# safetensors element types as numpy (little-endian) dtypes.
DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
          "I8": "i1", "U8": "u1", "BOOL": "?"}


def read_safetensors(path):
    """The tensors of a safetensors file by name: an 8-byte little-endian header length, a JSON
    header of {name: {dtype, shape, data_offsets}}, then the raw little-endian bytes."""
    with open(path, "rb") as f:
        (header_size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_size))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = np.dtype(DTYPES[info["dtype"]])
        array = np.frombuffer(data, dtype, count=(end - begin) // dtype.itemsize, offset=begin)
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]).copy())
    return tensors`;

const FROZEN_DOC = `    # Frozen in Netwright ("Freeze up to here"): no gradient, no optimizer state, and they run as at
    # inference (BatchNorm on its running statistics, no dropout) even while the rest trains.
`;

const FREEZE_IN_INIT = `        for name in self.FROZEN:
            getattr(self, name).requires_grad_(False)
`;

const FROZEN_TRAIN = `    def train(self, mode=True):
        super().train(mode)
        for name in self.FROZEN:
            getattr(self, name).train(False)
        return self

`;

/** model.py for a project; throws PytorchExportError listing every node that can't be written. */
export function torchModel(doc: ProjectDocument, analysis: Analysis, hasWeights: boolean): TorchModel {
  const layers = spellAll(doc, analysis);
  const inputNodes = analysis.order
    .map((id) => doc.graph.nodes.find((n) => n.id === id)!)
    .filter((n) => n.type === 'Input');
  const args = new Map(
    inputNodes.map((n, i) => [n.id, inputNodes.length === 1 ? 'x' : identifier(n.name, `input${i + 1}`)]),
  );
  let cls = className(doc.name);
  const helpers = new Map<string, TorchHelper>();
  for (const l of layers.values()) for (const h of l.spelling.helpers ?? []) helpers.set(h.name, h);
  if (helpers.has(cls) || cls === 'F') cls = `${cls}Net`;

  const state: StateEntry[] = [];
  const init: string[] = [];
  for (const [id, l] of layers) {
    if (!('module' in l.spelling)) continue;
    init.push(`self.${l.attr} = ${l.spelling.module}`);
    for (const p of analysis.nodes.get(id)!.parameters)
      state.push({
        key: `${l.attr}.${l.spelling.stateNames?.[p.name] ?? p.name}`,
        shape: p.shape,
        source: { nodeId: id, param: p.name },
        dtype: 'F32',
      });
    for (const e of l.spelling.extraState ?? [])
      state.push({ key: `${l.attr}.${e.name}`, shape: e.shape, dtype: e.dtype });
  }
  // "Freeze up to here" travels with the network: these layers get no gradient and run as at inference.
  const frozen = [...layers]
    .filter(([id, l]) => 'module' in l.spelling && doc.graph.nodes.find((n) => n.id === id)?.frozen)
    .map(([, l]) => l.attr)
    .filter((attr): attr is string => attr !== undefined);
  const body = forwardBody(doc, analysis, layers, args);
  const inputShape = inputNodes.length === 1 ? (inputNodes[0].attributes.shape as number[]) : undefined;
  const code = [...init, ...body].join('\n');
  const indent = (lines: string[], n: number) =>
    lines.map((l) => (l ? ' '.repeat(n) + l.replace(/\n/g, `\n${' '.repeat(n)}`) : l)).join('\n');
  const source = `${docstring(doc, cls, inputShape, hasWeights)}
import json
import struct
from pathlib import Path

import numpy as np
import torch
${/\bF\./.test(code) ? 'import torch.nn.functional as F\n' : ''}from torch import nn

${inputShape ? `# One sample's shape (the batch dimension comes first in forward()).\nINPUT_SHAPE = ${py(inputShape)}\n` : ''}WEIGHTS_FILE = Path(__file__).with_name("weights.safetensors")
${[...helpers.values()].map((h) => `\n\n${h.code}`).join('')}

class ${cls}(nn.Module):
${frozen.length ? FROZEN_DOC + `    FROZEN = ${py(frozen)}\n\n` : ''}    def __init__(self):
        super().__init__()
${indent(init, 8)}
${frozen.length ? FREEZE_IN_INIT : ''}
${frozen.length ? FROZEN_TRAIN : ''}    def forward(self, ${[...args.values()].join(', ')}):
${indent(body, 8)}


${READER}


def load_model(weights_path=None):
    """A ${cls} with the weights in weights_path (default: ${hasWeights ? 'the exported ones, ' : ''}WEIGHTS_FILE
    beside this file); PyTorch's default initialisation when there is no such file."""
    model = ${cls}()
    path = Path(weights_path) if weights_path is not None else WEIGHTS_FILE
    if weights_path is not None or path.exists():
        model.load_state_dict(read_safetensors(path))
    return model
`;
  return { className: cls, source, state, inputShape };
}
