// Import phase 5, prune and lay out: keep what the outputs depend on (and every graph input),
// embed the weights, place the nodes in rows by depth (layoutGraph's elkjs layout replaces them),
// count what was made, and validate the project document.
import type { Edge, Graph, GraphNode } from '../../graph/graph.ts';
import type { ProjectDocument, StoredTensor } from '../../graph/document.ts';
import { DocumentError, newDocument, validateDocument } from '../../graph/document.ts';
import { encodeFloat32 } from '../../weights.ts';
import type { ProjectBuilder } from './build.ts';
import { ImportError, isConstNode, type ImportContext, type ImportResult } from './context.ts';

/** Tensors above this many bytes don't fit a JavaScript string as base64 (V8's limit is ~2^29 chars). */
const MAX_EMBED_BYTES = 384 * 2 ** 20;

export function finish(ctx: ImportContext, pb: ProjectBuilder): ImportResult {
  const { nodes: keptNodes, edges: keptEdges } = prune(ctx, pb);
  const folded = ctx.order.filter((i) => isConstNode(ctx, i)).length;
  if (folded)
    ctx.note(
      `${folded} node(s) computing constants (weights from Constant/ConstantOfShape, shape arithmetic) were folded into values.`,
    );
  if (pb.unfilled)
    ctx.note(
      `${pb.unfilled} parameter(s) made by ConstantOfShape were left unfilled (an import of the structure only); they start as a new layer's do.`,
    );
  const weights = ctx.opts.embedWeights !== false ? embedWeights(ctx, pb) : {};

  const graph: Graph = { nodes: placeByDepth(keptNodes, keptEdges), edges: keptEdges };
  const layers: Record<string, number> = {};
  const opaque: Record<string, number> = {};
  for (const x of graph.nodes)
    if (x.type === 'OnnxOp')
      opaque[String(x.attributes.op_type)] = (opaque[String(x.attributes.op_type)] ?? 0) + 1;
    else layers[x.type] = (layers[x.type] ?? 0) + 1;

  const name = ctx.opts.name ?? (ctx.g.name || 'Imported model');
  const raw: ProjectDocument = {
    ...newDocument(name, graph),
    ...(Object.keys(weights).length ? { weights } : {}),
  };
  const description = ctx.model.docString || ctx.g.docString;
  if (description) raw.description = description;
  let doc: ProjectDocument;
  try {
    doc = validateDocument(raw);
  } catch (e) {
    if (e instanceof DocumentError)
      throw new ImportError(`The imported project does not validate (${e.message}).`);
    throw e;
  }
  return {
    doc,
    weights: pb.weights,
    report: {
      layers,
      opaque,
      notes: ctx.notes,
      unknownShapes: ctx.unknownShapes,
      inputs: pb.inputs,
      outputs: pb.outputs,
      parameterSources: pb.parameterSources,
    },
  };
}

/** The nodes the graph outputs depend on, and every graph input; notes what was left out. */
function prune(ctx: ImportContext, pb: ProjectBuilder): { nodes: GraphNode[]; edges: Edge[] } {
  const live = new Set<string>(Object.values(pb.outputs));
  const into = new Map<string, string[]>();
  for (const e of pb.edges) into.set(e.target, [...(into.get(e.target) ?? []), e.source]);
  const stack = [...live];
  while (stack.length)
    for (const s of into.get(stack.pop()!) ?? [])
      if (!live.has(s)) {
        live.add(s);
        stack.push(s);
      }
  for (const id of Object.values(pb.inputs)) live.add(id);
  const dropped = pb.nodes.filter((x) => !live.has(x.id));
  if (dropped.length) {
    const kinds = [
      ...new Set(dropped.map((x) => (x.type === 'OnnxOp' ? String(x.attributes.op_type) : x.type))),
    ];
    ctx.note(`${dropped.length} node(s) that no output depends on were left out (${kinds.join(', ')}).`);
  }
  for (const x of dropped) {
    pb.weights.delete(x.id);
    delete pb.parameterSources[x.id];
  }
  return {
    nodes: pb.nodes.filter((x) => live.has(x.id)),
    edges: pb.edges.filter((e) => live.has(e.source) && live.has(e.target)),
  };
}

function embedWeights(ctx: ImportContext, pb: ProjectBuilder): Record<string, Record<string, StoredTensor>> {
  const byId = new Map(pb.nodes.map((x) => [x.id, x]));
  const weights: Record<string, Record<string, StoredTensor>> = {};
  for (const [id, params] of pb.weights)
    for (const [param, data] of params) {
      if (data.byteLength > MAX_EMBED_BYTES) {
        ctx.note(
          `${byId.get(id)!.name}.${param} (${(data.byteLength / 2 ** 20).toFixed(0)} MB) is too large to store in a project file; it is kept in memory only.`,
        );
        continue;
      }
      (weights[id] ??= {})[param] = {
        shape: pb.paramShapes.get(`${id}.${param}`)!,
        dtype: 'float32',
        data: encodeFloat32(data),
      };
    }
  return weights;
}

/** Rows by depth, as GraphBuilder places nodes; layoutGraph (elkjs) replaces them. */
function placeByDepth(nodes: GraphNode[], edges: Edge[]): GraphNode[] {
  const into = new Map<string, string[]>();
  for (const e of edges) into.set(e.target, [...(into.get(e.target) ?? []), e.source]);
  const depth = new Map<string, number>();
  const rows = new Map<number, number>();
  // Nodes are created in topological order, so every source already has its depth.
  return nodes.map((n) => {
    const d = Math.max(-1, ...(into.get(n.id) ?? []).map((s) => depth.get(s) ?? 0)) + 1;
    depth.set(n.id, d);
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    return { ...n, position: { x: row * 220, y: d * 110 } };
  });
}
