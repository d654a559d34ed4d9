// The layer registry, derived from the generated import list (one file per layer type).
import type { AnyLayerDef, Category } from '../layer.ts';
import { layerModules } from './registry.gen.ts';

const byType = new Map<string, AnyLayerDef>();
for (const def of layerModules) {
  if (byType.has(def.type)) throw new Error(`Two layer files define the type '${def.type}'.`);
  byType.set(def.type, def);
}

export function getLayer(type: string): AnyLayerDef | undefined {
  return byType.get(type);
}

export function allLayers(): AnyLayerDef[] {
  return [...byType.values()];
}

/** ONNX operator type -> the layers whose `fromOnnx` may import it (derived from the layer files). */
const byOnnxOp = new Map<string, AnyLayerDef[]>();
for (const def of byType.values())
  for (const op of def.fromOnnx?.opTypes ?? []) byOnnxOp.set(op, [...(byOnnxOp.get(op) ?? []), def]);

export function layersForOnnxOp(opType: string): readonly AnyLayerDef[] {
  return byOnnxOp.get(opType) ?? [];
}

/** Palette order: categories as a user meets them, then layers alphabetically. */
export const categoryOrder: Category[] = [
  'input',
  'linear',
  'convolution',
  'pooling',
  'activation',
  'normalization',
  'regularization',
  'reshape',
  'merge',
  'other',
];

export function layersByCategory(): { category: Category; layers: AnyLayerDef[] }[] {
  return categoryOrder
    .map((category) => ({
      category,
      layers: allLayers()
        .filter((l) => l.category === category)
        .sort((a, b) => a.type.localeCompare(b.type)),
    }))
    .filter((g) => g.layers.length > 0);
}
