import { defineLayer, int, ints, string } from '../layer.ts';
import { problem } from '../diagnostics.ts';
import type { Shape } from '../tensor/shape.ts';
import { emitOpaque, opaqueExportProblem } from '../onnx/import/opaqueExport.ts';
import {
  decodeOpaque,
  opaqueField,
  opaqueMacs,
  opaqueShapes,
  portCount,
  type Opaque,
  type OpaqueAttrs,
} from '../onnx/import/opaque.ts';
import { opaqueToTorch } from '../export/pytorch/onnxOps.ts';

/** Decodes the node's attributes, or says which one is malformed. */
function read(a: OpaqueAttrs): Opaque | { problem: string; attribute: string } {
  try {
    return decodeOpaque(a);
  } catch (e) {
    const message = (e as Error).message;
    const attribute = message.split(':')[0];
    return { problem: `the imported ONNX node is damaged (${message}); re-import the model.`, attribute };
  }
}

const isOpaque = (x: Opaque | { problem: string }): x is Opaque => !('problem' in x);

export default defineLayer({
  type: 'OnnxOp',
  category: 'other',
  torch: 'ONNX operator',
  toTorch: (ctx) => opaqueToTorch(ctx as never),
  summary:
    'An ONNX operator Netwright has no layer for, kept exactly as imported (attributes, weights, inputs and outputs) and exported back unchanged.',
  inputs: { variadic: { min: 1, name: 'x' } },
  attributes: {
    op_type: string({ default: 'Identity', doc: 'The ONNX operator type, e.g. LRN, Mul, Transpose.' }),
    domain: string({ default: '', doc: "The operator's domain; empty for the standard ai.onnx set." }),
    opset: int({
      default: 17,
      min: 1,
      doc: "Version of the domain the node was written for; export adapts it to the export's opset.",
    }),
    attributes: string({
      default: '[]',
      doc: 'The ONNX attributes as JSON: plain values, or the protobuf bytes (base64) of tensors and subgraphs.',
    }),
    input_slots: string({
      default: '[{"port":0}]',
      doc: 'JSON, one entry per ONNX input: {"port":k} an edge, {"param":name,"shape":[..]} a weight, {"const":..} a constant, null omitted.',
    }),
    outputs: int({
      default: 1,
      min: 1,
      doc: 'Number of ONNX outputs (edges leave from output ports 0..n-1).',
    }),
    output_types: ints({
      default: [1],
      min: 0,
      minLength: 0,
      doc: 'ONNX element type of each output (1 float32, 7 int64, 9 bool, ...; 0 unknown).',
    }),
    output_shapes: string({
      default: '',
      doc: 'Output shapes recorded at import (JSON), used where they cannot be inferred.',
    }),
  },
  shapeMayBeUnknown: true,
  opLabel: (a) => `ONNX ${a.domain ? `${a.domain}.` : ''}${a.op_type}`,
  outputShape: (inputs, a) => {
    const o = read(a as OpaqueAttrs);
    if (!isOpaque(o)) return problem(o.problem, o.attribute);
    const ports = portCount(o);
    if (inputs.length !== ports)
      return problem(
        `${o.opType} takes ${ports} connected input(s) but has ${inputs.length}; reconnect the edges it was imported with.`,
      );
    const shape = opaqueShapes(o, inputs as (Shape | null)[])[0];
    return (
      shape ?? {
        problem: `the output shape of ONNX ${o.opType} can't be inferred here; it exports unchanged.`,
        code: 'unknown-shape',
        severity: 'warning',
      }
    );
  },
  outputShapes: (inputs, a) => {
    const o = read(a as OpaqueAttrs);
    return isOpaque(o) ? opaqueShapes(o, inputs) : [null];
  },
  parameters: (_inputs, a) => {
    const o = read(a as OpaqueAttrs);
    if (!isOpaque(o)) return [];
    return [...o.slots, ...o.outer.map((r) => r.slot)]
      .filter((s): s is { param: string; shape: number[] } => !!s && 'param' in s)
      .map((s) => ({ name: s.param, shape: s.shape, role: 'weight' as const }));
  },
  macs: (inputs, out, a) => {
    const o = read(a as OpaqueAttrs);
    return isOpaque(o) ? opaqueMacs(o, inputs, out) : 0;
  },
  receptiveField: (inputs, a) => {
    const o = read(a as OpaqueAttrs);
    return isOpaque(o) ? opaqueField(o, inputs) : { kind: 'global' };
  },
  exportCheck: (a, opset, inputs) => {
    const o = read(a as OpaqueAttrs);
    return isOpaque(o) ? opaqueExportProblem(o, opset, inputs) : o.problem;
  },
  toOnnx: (ctx) => emitOpaque(ctx as never),
  examples: [
    {
      why: 'local response normalisation (AlexNet) keeps the shape',
      attributes: {
        op_type: 'LRN',
        opset: 9,
        attributes: JSON.stringify([{ name: 'size', type: 'INT', value: 5 }]),
        input_slots: '[{"port":0}]',
      },
      inputs: [['N', 96, 55, 55]],
      output: ['N', 96, 55, 55],
      params: 0,
    },
    {
      why: 'a 3-D convolution with its weight: 2 x (3x3x3x3) + 2, output (8-3)+1 = 6 per axis',
      attributes: {
        op_type: 'Conv',
        opset: 9,
        attributes: JSON.stringify([{ name: 'kernel_shape', type: 'INTS', value: [3, 3, 3] }]),
        input_slots: JSON.stringify([
          { port: 0 },
          { param: 'W', shape: [2, 3, 3, 3, 3] },
          { param: 'B', shape: [2] },
        ]),
      },
      inputs: [['N', 3, 8, 8, 8]],
      output: ['N', 2, 6, 6, 6],
      params: 2 * 81 + 2,
      macs: 2 * 81 * 216,
    },
  ],
});
