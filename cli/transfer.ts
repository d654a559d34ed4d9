// The transfer-learning flags of `netwright train`: --classes (a new classifier for the data's
// classes), --freeze-up-to (a frozen backbone), and the preprocessing of images:<dir>
// (--image-size, --mean, --std; by default the model's input size and ImageNet's statistics).
import type { DatasetSpec } from '../host/data/index.ts';
import { withModelPreprocessing } from '../host/data/preprocess.ts';
import type { GraphNode, ProjectDocument } from '../engine/index.ts';
import { freezeUpTo, isEditError, lastLinear, replaceClassifierInDocument } from '../engine/index.ts';
import { CliError } from './errors.ts';
import { MAX_LISTED_CLASSES, parseClassList as parseClassesText } from '../engine/data/index.ts';

/** `--keep-classes 5-9` or `5,7,9`: class indices, in order. */
export function parseClassList(text: string): number[] {
  const classes = parseClassesText(text);
  if (!classes)
    throw new CliError(
      `--keep-classes ${text}: give class numbers or ranges, e.g. 5-9 or 0,2,4 (at most ${MAX_LISTED_CLASSES}).`,
    );
  return classes;
}

export interface TransferOptions {
  keepClasses?: string;
  freezeUpTo?: string;
  classes?: string | boolean;
  imageSize?: string;
  mean?: string;
  std?: string;
}

/** A node by its name (what the canvas and `summary` show) or its id. */
export function nodeNamed(doc: ProjectDocument, text: string, flag: string): GraphNode {
  const node = doc.graph.nodes.find((n) => n.name === text) ?? doc.graph.nodes.find((n) => n.id === text);
  if (node) return node;
  const near = doc.graph.nodes
    .filter((n) => n.name.toLowerCase().includes(text.toLowerCase()))
    .slice(0, 8)
    .map((n) => n.name);
  throw new CliError(
    `${flag} ${text}: the model has no node of that name${near.length ? `; did you mean ${near.join(', ')}?` : '; `netwright summary MODEL` lists the names.'}`,
  );
}

/**
 * The model as the flags change it: the last Linear replaced by a fresh one with `--classes`
 * outputs (bare --classes: the data's class count), then everything up to --freeze-up-to frozen.
 */
export function applyTransferFlags(
  doc: ProjectDocument,
  o: TransferOptions,
  dataClasses: number,
): ProjectDocument {
  let next = doc;
  if (o.classes !== undefined) {
    const classes = o.classes === true ? dataClasses : Number(o.classes);
    if (!Number.isInteger(classes) || classes < 1)
      throw new CliError(
        `--classes ${o.classes}: give a whole number of classes (or --classes alone for the data's).`,
      );
    if (!lastLinear(next.graph))
      throw new CliError('--classes: the model has no Linear layer to replace as its classifier.');
    const replaced = replaceClassifierInDocument(next, classes);
    if (isEditError(replaced)) throw new CliError(`--classes: ${replaced.error}`);
    next = replaced;
  }
  if (o.freezeUpTo !== undefined) {
    const graph = freezeUpTo(next.graph, nodeNamed(next, o.freezeUpTo, '--freeze-up-to').id);
    if (isEditError(graph)) throw new CliError(`--freeze-up-to: ${graph.error}`);
    next = { ...next, graph };
  }
  return next;
}

function numbers(flag: string, text: string): number[] {
  const values = text.split(',').map(Number);
  if (!values.length || values.some((v) => !Number.isFinite(v)))
    throw new CliError(
      `${flag} ${text}: give comma-separated numbers, one per channel, e.g. 0.485,0.456,0.406.`,
    );
  return values;
}

/** images:<dir> with the preprocessing flags, and what they leave out taken from the model. */
export function imagePreprocessing(spec: DatasetSpec, o: TransferOptions, doc: ProjectDocument): DatasetSpec {
  if (spec.kind !== 'images') {
    const flag = o.imageSize ? '--image-size' : o.mean ? '--mean' : o.std ? '--std' : null;
    if (flag) throw new CliError(`${flag} applies to --data images:<dir> only.`);
    return spec;
  }
  const out = { ...spec };
  if (o.imageSize) {
    const m = /^(\d+)(?:x(\d+))?$/.exec(o.imageSize);
    if (!m || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < 1))
      throw new CliError(
        `--image-size ${o.imageSize}: give <size> or <height>x<width> in pixels, e.g. 224 or 224x224.`,
      );
    out.size = [Number(m[1]), Number(m[2] ?? m[1])];
  }
  if (o.mean) out.mean = numbers('--mean', o.mean);
  if (o.std) {
    out.std = numbers('--std', o.std);
    if (out.std.some((v) => v <= 0)) throw new CliError(`--std ${o.std}: every std must be positive.`);
  }
  if (!out.mean !== !out.std)
    throw new CliError('--mean and --std go together: give both, one value per channel.');
  return withModelPreprocessing(out, doc);
}
