// A generated sequence set read the way the model reads it: windows of the model's Input length,
// and for truncated BPTT the chars text as one stream per batch row (engine/data/sequences.ts
// charStreams), so that batch k holds window k of every stream.
import { SEQUENCE_KINDS, type SyntheticKind } from '../../engine/data/index.ts';
import type { ProjectDocument } from '../../engine/index.ts';

interface SyntheticLike {
  kind: string;
  generator?: SyntheticKind;
  length?: number;
  streams?: number;
}

/** The steps the model's one Input reads per sample (its first dimension), if fixed. */
export function inputLength(doc: ProjectDocument): number | undefined {
  const inputs = doc.graph.nodes.filter((n) => n.type === 'Input');
  const shape = inputs.length === 1 ? inputs[0].attributes.shape : undefined;
  return Array.isArray(shape) && typeof shape[0] === 'number' ? shape[0] : undefined;
}

export function forSequenceModel<T extends SyntheticLike>(
  spec: T,
  doc: ProjectDocument,
  /** `streams`: chars as batchSize streams without truncation (full BPTT on the same windows). */
  training?: { tbptt?: number; batchSize: number; streams?: boolean },
): T {
  if (spec.kind !== 'synthetic' || !spec.generator || !SEQUENCE_KINDS.includes(spec.generator)) return spec;
  const length = spec.length ?? inputLength(doc);
  const asStreams = (training?.tbptt || training?.streams) && spec.generator === 'chars';
  const streams = asStreams ? training!.batchSize : spec.streams;
  return { ...spec, ...(length ? { length } : {}), ...(streams ? { streams } : {}) };
}
