// The project file (*.netwright.json): versioned, validated at run time, migrated forward from
// older versions. Every error names the field (`graph.nodes[2].attributes.kernel_size`) and says
// what to do, so a hand-edited or damaged file is repairable and nothing is silently dropped.
import { z } from 'zod';
import { checkAttribute } from '../attributes.ts';
import type { AttrValue } from '../layer.ts';
import { defaultAttributes } from '../layer.ts';
import { getLayer } from '../layers/index.ts';
import {
  jsonTextDepth,
  limitText,
  MAX_DOCUMENT_BYTES,
  MAX_DOCUMENT_DEPTH,
  MAX_EDGES,
  MAX_NODES,
  MAX_PORT_INDEX,
  MAX_TENSOR_ELEMENTS,
  utf8Length,
  valueDepth,
} from '../limits.ts';
import { product } from '../tensor/shape.ts';
import type { Graph } from './graph.ts';
import { edgeId } from './graph.ts';

export const FORMAT = 'netwright';
export const CURRENT_VERSION = 2;

export interface StoredTensor {
  shape: number[];
  dtype: 'float32';
  /** Little-endian float32 bytes, base64. */
  data: string;
  /**
   * The values themselves, in memory only: the host attaches weights it holds (see weightsRef)
   * this way, with `data` empty. Never written to a file or sent to the page.
   */
  values?: Float32Array;
}

export interface ProjectDocument {
  format: typeof FORMAT;
  version: number;
  name: string;
  description?: string;
  graph: Graph;
  /** Trained or imported weights: node id -> parameter name -> tensor. */
  weights?: Record<string, Record<string, StoredTensor>>;
  /** Free-form lesson text and settings, kept as-is. */
  lesson?: Record<string, unknown>;
  /** Blocks drawn around nodes in the editor (a view of the graph; they never change the model). */
  groups?: NodeGroup[];
  /** How the editor lays the graph out: top-to-bottom (the default) or left-to-right. */
  layout?: { direction: 'TB' | 'LR' };
  /**
   * Weights too large to travel with the document, held by the host under this id (an imported
   * ResNet-50, an opened .netwright file); they win over `weights`. Valid while the host runs;
   * never written to a file.
   */
  weightsRef?: string;
}

/** How a host names the weights it holds (host/heldWeights.ts). */
export const WEIGHTS_REF = /^held-[0-9a-z-]{1,64}$/;

export interface NodeGroup {
  id: string;
  title: string;
  /** Node ids; a node belongs to at most one group. */
  members: string[];
  /** Shown as one summary block instead of its members. */
  collapsed: boolean;
}

const attrValue: z.ZodType<AttrValue> = z.union([
  z.number(),
  z.boolean(),
  z.string(),
  z.null(),
  z.array(z.number()),
  z.array(z.array(z.number())),
]);

const nodeSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  name: z.string().min(1),
  attributes: z.record(z.string(), attrValue).default({}),
  position: z.object({ x: z.number(), y: z.number() }).default({ x: 0, y: 0 }),
  frozen: z.boolean().optional(),
});

const port = z
  .number()
  .int()
  .min(0)
  .max(MAX_PORT_INDEX, `a port is at most ${limitText('MAX_PORT_INDEX')}`);

const edgeSchema = z.object({
  id: z.string().optional(),
  source: z.string().min(1),
  sourcePort: port.default(0),
  target: z.string().min(1),
  targetPort: port,
});

/** Bytes that base64 text encodes, without decoding it. */
export function base64ByteLength(s: string): number {
  return (s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);
}

// A flat character class, not groups of four: a grouped pattern overflows the regex stack on
// tensors of tens of megabytes.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const tensorSchema = z
  .object({
    shape: z.array(z.number().int().min(0)).max(16, 'a tensor has at most 16 dimensions'),
    dtype: z.literal('float32'),
    data: z.string(),
  })
  .superRefine((t, ctx) => {
    const elements = product(t.shape);
    if (elements > MAX_TENSOR_ELEMENTS)
      return void ctx.addIssue({
        code: 'custom',
        path: ['shape'],
        message: `[${t.shape.join(', ')}] has ${elements} elements; a tensor holds at most ${limitText('MAX_TENSOR_ELEMENTS')}`,
      });
    if (t.data.length % 4 !== 0 || !BASE64.test(t.data))
      return void ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message: 'is not base64 text (A-Z, a-z, 0-9, +, / in groups of four); the file is damaged',
      });
    const bytes = base64ByteLength(t.data);
    if (bytes !== 4 * elements)
      ctx.addIssue({
        code: 'custom',
        path: ['data'],
        message: `holds ${bytes} bytes, but shape [${t.shape.join(', ')}] needs ${4 * elements} (4 per float32); the file is damaged`,
      });
  });

const documentSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(CURRENT_VERSION),
  name: z.string(),
  description: z.string().optional(),
  graph: z.object({
    nodes: z.array(nodeSchema).max(MAX_NODES, `a graph holds at most ${limitText('MAX_NODES')} nodes`),
    edges: z.array(edgeSchema).max(MAX_EDGES, `a graph holds at most ${limitText('MAX_EDGES')} edges`),
  }),
  weights: z.record(z.string(), z.record(z.string(), tensorSchema)).optional(),
  lesson: z.record(z.string(), z.unknown()).optional(),
  groups: z
    .array(
      z.object({
        id: z.string().min(1),
        title: z.string(),
        members: z.array(z.string().min(1)).min(1, 'a group needs at least one member'),
        collapsed: z.boolean().default(false),
      }),
    )
    .optional(),
  layout: z.object({ direction: z.enum(['TB', 'LR']) }).optional(),
  weightsRef: z.string().regex(WEIGHTS_REF, 'is not a weights id of the Netwright host').optional(),
});

export class DocumentError extends Error {
  constructor(
    message: string,
    /** Dotted path of the offending field, when there is one. */
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'DocumentError';
  }
}

type Json = Record<string, unknown>;

/**
 * Migrations, each from version n to n+1. Version 1 (the first prototype's files) kept nodes and
 * edges at the top level, attributes under `attrs`, positions as x/y, and edges as {from, to, port}.
 */
const v1Schema = z.object({
  nodes: z.array(z.record(z.string(), z.unknown())).optional(),
  edges: z.array(z.record(z.string(), z.unknown())).optional(),
});

const migrations: Record<number, (doc: Json) => Json> = {
  1: (raw) => {
    const v1 = v1Schema.safeParse(raw);
    if (!v1.success) {
      const issue = v1.error.issues[0];
      throw new DocumentError(`${issue.message} (a version 1 file)`, zodPath(issue.path));
    }
    const doc: Json & typeof v1.data = { ...raw, ...v1.data };
    const nodes = (doc.nodes ?? []).map((n) => ({
      id: n.id,
      type: n.type,
      name: n.name ?? n.id,
      attributes: n.attrs ?? {},
      position: { x: n.x ?? 0, y: n.y ?? 0 },
    }));
    const edges = (doc.edges ?? []).map((e) => ({
      source: e.from,
      sourcePort: 0,
      target: e.to,
      targetPort: e.port ?? 0,
    }));
    return { format: FORMAT, version: 2, name: doc.name ?? 'Untitled', graph: { nodes, edges } };
  },
};

function zodPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** Parses and validates a project file's text; throws DocumentError naming the field. */
export function parseDocument(text: string): ProjectDocument {
  const bytes = utf8Length(text);
  if (bytes > MAX_DOCUMENT_BYTES)
    throw new DocumentError(
      `The file holds ${bytes} bytes; a project file may hold at most ${limitText('MAX_DOCUMENT_BYTES')}. Leave the weights out (they can be re-initialised) or use the command line.`,
    );
  const depth = jsonTextDepth(text, MAX_DOCUMENT_DEPTH);
  if (depth > MAX_DOCUMENT_DEPTH)
    throw new DocumentError(
      `The file nests arrays and objects more than ${MAX_DOCUMENT_DEPTH} deep (MAX_DOCUMENT_DEPTH); a project file is never that deep, so it is damaged.`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    if (!/^\s*\{/.test(text.slice(0, 1024)))
      throw new DocumentError(
        'This is not a Netwright project: a project file is JSON text starting with "{". (An .onnx model opens with File → Import ONNX…, or `netwright import`.)',
      );
    // V8 quotes the text around the fault; in a damaged file that is unreadable, so only the place is kept.
    const where = (e as Error).message.replace(/,? ".*" is not valid JSON$/s, '');
    throw new DocumentError(
      `The file is not valid JSON (${where}); it may be truncated. Restore it from a backup or the autosave.`,
    );
  }
  return validateDocument(raw);
}

export function validateDocument(raw: unknown): ProjectDocument {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new DocumentError('A project file must hold a JSON object.');
  if (valueDepth(raw, MAX_DOCUMENT_DEPTH) > MAX_DOCUMENT_DEPTH)
    throw new DocumentError(
      `The document nests arrays and objects more than ${MAX_DOCUMENT_DEPTH} deep (MAX_DOCUMENT_DEPTH); a project file is never that deep, so it is damaged.`,
    );
  let doc = raw as Json;
  if (doc.format !== undefined && doc.format !== FORMAT)
    throw new DocumentError(
      `expected "${FORMAT}", got ${JSON.stringify(doc.format)}; this is not a Netwright project.`,
      'format',
    );
  const version = doc.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw new DocumentError(
      `must be a whole number of at least 1, got ${JSON.stringify(version)}.`,
      'version',
    );
  if (version > CURRENT_VERSION)
    throw new DocumentError(
      `the file is version ${version}, made by a newer Netwright (this one reads up to ${CURRENT_VERSION}); update Netwright to open it.`,
      'version',
    );
  for (let v = version; v < CURRENT_VERSION; v++) doc = migrations[v](doc);

  const parsed = documentSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DocumentError(issue.message, zodPath(issue.path));
  }
  const d = parsed.data;
  const ids = new Set<string>();
  const nodes = d.graph.nodes.map((n, i) => {
    const at = `graph.nodes[${i}]`;
    if (ids.has(n.id))
      throw new DocumentError(`the id '${n.id}' is used twice; ids must be unique.`, `${at}.id`);
    checkWellFormed(n.id, `${at}.id`, `node ${i + 1}'s id`, 'give it another id');
    checkWellFormed(n.name, `${at}.name`, `the name of node '${n.id}'`, 'rename the node');
    ids.add(n.id);
    const def = getLayer(n.type);
    if (!def)
      throw new DocumentError(
        `unknown layer type '${n.type}' (node '${n.name}'); it may come from a newer Netwright. Known types include Conv2d, Linear, ReLU.`,
        `${at}.type`,
      );
    for (const [key, value] of Object.entries(n.attributes)) {
      const spec = def.attributes[key];
      if (!spec)
        throw new DocumentError(`${n.type} has no attribute '${key}'; remove it.`, `${at}.attributes.${key}`);
      const why = checkAttribute(spec, value);
      if (why) throw new DocumentError(`${why}.`, `${at}.attributes.${key}`);
    }
    // Attributes added to a layer after the file was written take their defaults.
    return { ...n, attributes: { ...defaultAttributes(def), ...n.attributes } };
  });
  const taken = new Set<string>();
  const edges = d.graph.edges.map((e, i) => {
    const at = `graph.edges[${i}]`;
    if (!ids.has(e.source)) throw new DocumentError(`no node has the id '${e.source}'.`, `${at}.source`);
    if (!ids.has(e.target)) throw new DocumentError(`no node has the id '${e.target}'.`, `${at}.target`);
    const port = `${e.target}:${e.targetPort}`;
    if (taken.has(port))
      throw new DocumentError(
        `input ${e.targetPort} of '${e.target}' has two sources; an input port takes one.`,
        `${at}.targetPort`,
      );
    taken.add(port);
    return { ...e, id: e.id ?? edgeId(e.source, e.sourcePort, e.target, e.targetPort) };
  });
  if (d.groups) checkGroups(d.groups, ids);
  return { ...d, format: FORMAT, graph: { nodes, edges } } as ProjectDocument;
}

/** A lone UTF-16 surrogate, i.e. half of a character such as an emoji (paired halves are one code point under /u). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Node ids and names become the exported ONNX model's tensor names, which are stored as UTF-8: a
 * lone surrogate can't be, so it would come back from onnxruntime as U+FFFD under another name.
 */
function checkWellFormed(text: string, field: string, what: string, fix: string): void {
  if (LONE_SURROGATE.test(text))
    throw new DocumentError(
      `${what} holds half of a character (a lone UTF-16 surrogate), which an ONNX model can't store; ${fix}.`,
      field,
    );
}

/** Group ids share the canvas with node ids; members must exist and sit in one group only. */
function checkGroups(groups: readonly NodeGroup[], nodeIds: ReadonlySet<string>): void {
  const groupIds = new Set<string>();
  const owner = new Map<string, string>();
  groups.forEach((g, i) => {
    const at = `groups[${i}]`;
    if (groupIds.has(g.id) || nodeIds.has(g.id))
      throw new DocumentError(
        `the id '${g.id}' is already used by ${groupIds.has(g.id) ? 'another group' : 'a node'}; ids must be unique.`,
        `${at}.id`,
      );
    groupIds.add(g.id);
    g.members.forEach((m, j) => {
      if (!nodeIds.has(m))
        throw new DocumentError(
          `no node has the id '${m}'; remove it from the group.`,
          `${at}.members[${j}]`,
        );
      const first = owner.get(m);
      if (first !== undefined)
        throw new DocumentError(
          `'${m}' is already in group '${first}'; a node belongs to one group at most.`,
          `${at}.members[${j}]`,
        );
      owner.set(m, g.id);
    });
  });
}

/** Stable, readable JSON for saving (two-space indent, trailing newline). */
export function serializeDocument(doc: ProjectDocument): string {
  return JSON.stringify({ ...doc, format: FORMAT, version: CURRENT_VERSION }, null, 2) + '\n';
}

export function newDocument(name: string, graph: Graph): ProjectDocument {
  return { format: FORMAT, version: CURRENT_VERSION, name, graph };
}

/** A fresh group id that no node or group of the document uses: `${prefix}_1`, `${prefix}_2`, ... */
export function freshGroupId(doc: Pick<ProjectDocument, 'graph' | 'groups'>, prefix = 'group'): string {
  const used = new Set([...doc.graph.nodes.map((n) => n.id), ...(doc.groups ?? []).map((g) => g.id)]);
  for (let i = 1; ; i++) if (!used.has(`${prefix}_${i}`)) return `${prefix}_${i}`;
}
