// The project file (*.netwright): a zip, like Keras 3's .keras or PyTorch's .pt, holding
//   metadata.json        the archive's format and version, the app that wrote it, when
//   project.json         the project document (graph, groups, lesson, layout) without weights
//   weights.safetensors  every weight, named "<node id>/<parameter>", STORED (not deflated)
// The weights member is stored so a tensor is addressable by name and offset: the member's data
// offset in the zip plus the safetensors header's data_offsets locate it without reading the rest.
// docs/project-format.md is the specification. Pure: bytes in, bytes out; callers do file I/O.
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { analyze } from '../analysis/analyze.ts';
import { limitText, MAX_DOCUMENT_BYTES, MAX_MODEL_ELEMENTS } from '../limits.ts';
import {
  decodeSafetensors,
  encodeSafetensors,
  f32Tensor,
  MAX_HEADER_BYTES,
  SafetensorsError,
  type SafeTensor,
} from '../tensor/safetensors.ts';
import type { WeightMap } from '../weights.ts';
import { decodeFloat32, encodeFloat32 } from '../weights.ts';
import type { ProjectDocument } from './document.ts';
import { DocumentError, parseDocument, serializeDocument } from './document.ts';

export const ARCHIVE_FORMAT = 'netwright-project';
export const ARCHIVE_VERSION = 1;
export const ARCHIVE_EXTENSION = '.netwright';

export const ARCHIVE_MEMBERS = {
  metadata: 'metadata.json',
  document: 'project.json',
  weights: 'weights.safetensors',
} as const;

/** "LeNet-5 (MNIST)" -> "lenet-5-mnist": a file name from a project's name (`fallback` when none is left). */
export function fileSlug(name: string, fallback = 'untitled'): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || fallback
  );
}

/** What metadata.json holds. */
export interface ArchiveMetadata {
  format: typeof ARCHIVE_FORMAT;
  version: number;
  /** "Netwright 0.1.0": the writer, for people reading the file. */
  writer: string;
  /** ISO 8601 time of writing. */
  created: string;
}

export interface ProjectArchive {
  /** The document; its weights are in `weights`, not base64 in `doc.weights`. */
  doc: ProjectDocument;
  weights: WeightMap;
  /** node id -> parameter -> shape, as stored. */
  shapes: Map<string, Map<string, number[]>>;
  metadata: ArchiveMetadata;
}

/** Largest declared size of each member, checked before anything is inflated. */
const MEMBER_LIMITS: Record<string, number> = {
  [ARCHIVE_MEMBERS.metadata]: 2 ** 16,
  [ARCHIVE_MEMBERS.document]: MAX_DOCUMENT_BYTES,
  [ARCHIVE_MEMBERS.weights]: 8 + MAX_HEADER_BYTES + 4 * MAX_MODEL_ELEMENTS,
};
/** Members beyond the three are skipped (a newer writer may add some), up to this many. */
const MAX_MEMBERS = 64;

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** Whether the bytes start like a zip (a .netwright project) rather than JSON text. */
export function isProjectArchive(head: Uint8Array): boolean {
  return ZIP_MAGIC.every((b, i) => head[i] === b);
}

/** The safetensors name of a parameter (the encoder refuses node ids holding '/'). */
const tensorName = (nodeId: string, param: string) => `${nodeId}/${param}`;

function splitTensorName(name: string): [string, string] {
  const cut = name.lastIndexOf('/');
  if (cut <= 0 || cut === name.length - 1)
    throw new DocumentError(
      `the tensor '${name}' is not named "<node id>/<parameter>"; the file is damaged.`,
      ARCHIVE_MEMBERS.weights,
    );
  return [name.slice(0, cut), name.slice(cut + 1)];
}

export interface EncodeArchiveOptions {
  /** Weights beside the document (an import's, a run's); they win over doc.weights. */
  weights?: WeightMap;
  writer?: string;
  created?: Date;
}

/** Every weight to store, from doc.weights (base64) and options.weights, with shapes. */
function collectTensors(doc: ProjectDocument, extra: WeightMap | undefined): [string, SafeTensor][] {
  const shapes = extra?.size ? analyze(doc.graph).nodes : undefined;
  const out = new Map<string, SafeTensor>();
  for (const [id, params] of Object.entries(doc.weights ?? {}))
    for (const [param, t] of Object.entries(params)) {
      if (extra?.get(id)?.has(param)) continue;
      out.set(
        tensorName(id, param),
        f32Tensor(t.shape, t.values ?? decodeFloat32(t.data, `weights.${id}.${param}`)),
      );
    }
  for (const [id, params] of extra ?? [])
    for (const [param, values] of params) {
      const shape = shapes?.get(id)?.parameters.find((p) => p.name === param)?.shape ?? [values.length];
      out.set(tensorName(id, param), f32Tensor(shape, values));
    }
  return [...out];
}

/** The project as a .netwright zip. */
export function encodeProjectArchive(doc: ProjectDocument, options: EncodeArchiveOptions = {}): Uint8Array {
  for (const n of doc.graph.nodes)
    if (n.id.includes('/'))
      throw new DocumentError(`the node id '${n.id}' holds a '/'; rename the node's id.`, 'graph.nodes');
  const metadata: ArchiveMetadata = {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    writer: options.writer ?? 'Netwright',
    created: (options.created ?? new Date()).toISOString(),
  };
  const rest = { ...doc };
  delete rest.weights;
  delete rest.weightsRef;
  const text = new TextEncoder();
  const files: Zippable = {
    [ARCHIVE_MEMBERS.metadata]: [text.encode(JSON.stringify(metadata, null, 2) + '\n'), { level: 6 }],
    [ARCHIVE_MEMBERS.document]: [text.encode(serializeDocument(rest)), { level: 6 }],
  };
  const tensors = collectTensors(doc, options.weights);
  if (tensors.length) files[ARCHIVE_MEMBERS.weights] = [encodeSafetensors(tensors), { level: 0 }];
  return zipSync(files, { mtime: options.created ?? new Date() });
}

/** Unzips only the known members, after checking every declared size. */
function readMembers(bytes: Uint8Array): Record<string, Uint8Array> {
  let count = 0;
  try {
    return unzipSync(bytes, {
      filter: (f) => {
        if (++count > MAX_MEMBERS)
          throw new DocumentError(`the zip holds more than ${MAX_MEMBERS} members; the file is damaged.`);
        const limit = MEMBER_LIMITS[f.name];
        if (limit === undefined) return false;
        if (f.originalSize > limit)
          throw new DocumentError(
            `declares ${f.originalSize} bytes; this member holds at most ${limit} (${f.name === ARCHIVE_MEMBERS.document ? limitText('MAX_DOCUMENT_BYTES') : limitText('MAX_MODEL_ELEMENTS') + ' float32 weights'}).`,
            f.name,
          );
        if (f.compression !== 0 && f.compression !== 8)
          throw new DocumentError(
            `uses zip compression method ${f.compression}; only stored (0) and deflate (8) are read.`,
            f.name,
          );
        return true;
      },
    });
  } catch (e) {
    if (e instanceof DocumentError) throw e;
    throw new DocumentError(
      `This .netwright file is not a readable zip (${(e as Error).message}); it may be truncated. Restore it from a backup or the autosave.`,
    );
  }
}

function readMetadata(bytes: Uint8Array | undefined): ArchiveMetadata {
  const where = ARCHIVE_MEMBERS.metadata;
  if (!bytes) throw new DocumentError('is missing; this zip is not a Netwright project.', where);
  let m: Partial<ArchiveMetadata>;
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Partial<ArchiveMetadata>;
  } catch {
    throw new DocumentError('is not valid JSON text; the file is damaged.', where);
  }
  if (typeof m !== 'object' || m === null || m.format !== ARCHIVE_FORMAT)
    throw new DocumentError(
      `format must be "${ARCHIVE_FORMAT}"; this zip is not a Netwright project.`,
      `${where} format`,
    );
  if (!Number.isInteger(m.version) || (m.version as number) < 1)
    throw new DocumentError(`must be a whole number of at least 1.`, `${where} version`);
  if ((m.version as number) > ARCHIVE_VERSION)
    throw new DocumentError(
      `the file is version ${m.version}, made by a newer Netwright (this one reads up to ${ARCHIVE_VERSION}); update Netwright to open it.`,
      `${where} version`,
    );
  return m as ArchiveMetadata;
}

function readWeights(bytes: Uint8Array | undefined): Pick<ProjectArchive, 'weights' | 'shapes'> {
  const weights: WeightMap = new Map();
  const shapes = new Map<string, Map<string, number[]>>();
  if (!bytes) return { weights, shapes };
  let decoded;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new DocumentError(e.message, ARCHIVE_MEMBERS.weights);
    throw e;
  }
  let total = 0;
  for (const [name, t] of decoded.tensors) {
    const [id, param] = splitTensorName(name);
    if (t.dtype !== 'F32')
      throw new DocumentError(`tensor '${name}' is ${t.dtype}; weights are F32.`, ARCHIVE_MEMBERS.weights);
    total += t.bytes.length / 4;
    if (total > MAX_MODEL_ELEMENTS)
      throw new DocumentError(
        `holds more than ${limitText('MAX_MODEL_ELEMENTS')} weights.`,
        ARCHIVE_MEMBERS.weights,
      );
    // The member starts a fresh buffer and safetensors aligns its data, so F32 views need no copy.
    const aligned = t.bytes.byteOffset % 4 === 0;
    const values = aligned
      ? new Float32Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.length / 4)
      : new Float32Array(t.bytes.slice().buffer);
    if (!weights.has(id)) {
      weights.set(id, new Map());
      shapes.set(id, new Map());
    }
    weights.get(id)!.set(param, values);
    shapes.get(id)!.set(param, t.shape);
  }
  return { weights, shapes };
}

/** Reads a .netwright zip; DocumentError names the member or field at fault. */
export function decodeProjectArchive(bytes: Uint8Array): ProjectArchive {
  if (!isProjectArchive(bytes))
    throw new DocumentError('This is not a .netwright project: the file does not start as a zip does.');
  const members = readMembers(bytes);
  const metadata = readMetadata(members[ARCHIVE_MEMBERS.metadata]);
  const docBytes = members[ARCHIVE_MEMBERS.document];
  if (!docBytes) throw new DocumentError('is missing; the file is damaged.', ARCHIVE_MEMBERS.document);
  let doc: ProjectDocument;
  try {
    doc = parseDocument(new TextDecoder().decode(docBytes));
  } catch (e) {
    if (e instanceof DocumentError) throw new DocumentError(e.message, ARCHIVE_MEMBERS.document);
    throw e;
  }
  if (doc.weights)
    throw new DocumentError(
      `holds weights; in a .netwright file they belong in ${ARCHIVE_MEMBERS.weights}.`,
      `${ARCHIVE_MEMBERS.document} weights`,
    );
  const { weights, shapes } = readWeights(members[ARCHIVE_MEMBERS.weights]);
  checkWeightsFit(doc, weights);
  return { doc, weights, shapes, metadata };
}

/** Every stored tensor belongs to a node and has the size its layer needs (when analysis knows it). */
function checkWeightsFit(doc: ProjectDocument, weights: WeightMap): void {
  if (!weights.size) return;
  const analysis = analyze(doc.graph).nodes;
  const ids = new Set(doc.graph.nodes.map((n) => n.id));
  for (const [id, params] of weights) {
    if (!ids.has(id))
      throw new DocumentError(`holds weights of '${id}', which no node has.`, ARCHIVE_MEMBERS.weights);
    const specs = analysis.get(id)?.parameters;
    if (!specs?.length) continue;
    for (const [param, values] of params) {
      const spec = specs.find((p) => p.name === param);
      const need = spec ? spec.shape.reduce((a, b) => a * b, 1) : 0;
      if (!spec || need !== values.length)
        throw new DocumentError(
          spec
            ? `holds ${values.length} values but the layer needs [${spec.shape.join(', ')}] (${need}); the file is damaged.`
            : `'${id}' has no parameter '${param}'; the file is damaged.`,
          `${ARCHIVE_MEMBERS.weights} ${tensorName(id, param)}`,
        );
    }
  }
}

/**
 * The archive's document with its weights as base64 in doc.weights, as the editor keeps small
 * models. A tensor past a JSON string's reach stays out: use the WeightMap for those.
 */
export function embedArchiveWeights(
  archive: Pick<ProjectArchive, 'doc' | 'weights' | 'shapes'>,
): ProjectDocument {
  if (!archive.weights.size) return archive.doc;
  const weights: NonNullable<ProjectDocument['weights']> = {};
  for (const [id, params] of archive.weights) {
    weights[id] = {};
    for (const [param, values] of params)
      weights[id][param] = {
        shape: archive.shapes.get(id)?.get(param) ?? [values.length],
        dtype: 'float32',
        data: encodeFloat32(values),
      };
  }
  return { ...archive.doc, weights };
}
