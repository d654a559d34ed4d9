// How a folder of pictures becomes what a model expects, when the user hasn't said: the size and
// channels of the model's Input, and for colour pictures ImageNet's mean and std (what
// torchvision's pretrained models were trained with). What the user set always wins.
import type { ProjectDocument } from '../../engine/index.ts';
import type { DatasetSpec } from './spec.ts';

/** torchvision's transforms.Normalize for its ImageNet weights. */
export const IMAGENET_STATS = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** The [channels, height, width] of the model's only Input, when it is an image input of known size. */
export function imageInputShape(doc: ProjectDocument): [number, number, number] | undefined {
  const inputs = doc.graph.nodes.filter((n) => n.type === 'Input');
  const shape = inputs.length === 1 ? inputs[0].attributes.shape : undefined;
  if (!Array.isArray(shape) || shape.length !== 3) return undefined;
  if (!shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0)) return undefined;
  return shape as [number, number, number];
}

/** An images: spec with the size, channels and normalisation it leaves out taken from the model. */
export function withModelPreprocessing(spec: DatasetSpec, doc: ProjectDocument): DatasetSpec {
  if (spec.kind !== 'images') return spec;
  const shape = imageInputShape(doc);
  if (!shape) return spec;
  const [channels, height, width] = shape;
  const out = { ...spec };
  out.size ??= [height, width];
  out.grayscale ??= channels === 1;
  if (channels === 3 && !out.mean && !out.std && (out.normalize ?? 'none') === 'none') {
    out.mean = IMAGENET_STATS.mean;
    out.std = IMAGENET_STATS.std;
  }
  return out;
}
