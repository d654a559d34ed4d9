// Element-wise layers (activations, Dropout, Identity): same shape out as in, no parameters,
// receptive field unchanged. Each still has its own file for its attributes, docs, ONNX lowering
// and import, gradient rule and gradient cases.
import type { AttrSpecs, Category, GradientCase, LayerDef, LayerExample } from '../layer.ts';
import { defineLayer } from '../layer.ts';

export function elementwiseLayer<S extends AttrSpecs>(def: {
  type: string;
  category?: Category;
  torch?: string;
  toTorch?: LayerDef<S>['toTorch'];
  summary: string;
  attributes: S;
  examples?: LayerExample[];
  check?: LayerDef<S>['check'];
  toOnnx: LayerDef<S>['toOnnx'];
  fromOnnx?: LayerDef<S>['fromOnnx'];
  gradient: LayerDef<S>['gradient'];
  gradientCases: GradientCase[];
}) {
  return defineLayer<S>({
    category: 'activation',
    inputs: { names: ['x'] },
    outputShape: (inputs) => inputs[0],
    examples: [
      {
        why: 'keeps the shape',
        attributes: {},
        inputs: [['N', 6, 28, 28]],
        output: ['N', 6, 28, 28],
        params: 0,
        macs: 0,
      },
    ],
    ...def,
  });
}
