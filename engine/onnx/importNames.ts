// Names people can read for an imported model. Exporters often name nodes by number ("n12",
// "Conv_3") while the weights carry the model's own names ("gpu_0/res2_0_branch2a_w_0",
// "layer1.0.conv1.weight"), and PyTorch's exporter writes a module path ("/layer1/layer1.0/conv1/
// Conv"). A node keeps a name that says something; else it is named after its weights; a layer
// without weights is named after the layer feeding it ("res2_0_branch2a_bn_relu").
import type { Graph, GraphNode } from '../graph/graph.ts';

/**
 * Names that only count or repeat the operator: "12", "n12" (and its output "r12"), "node_3",
 * PyTorch 1.x's "Conv_3", "onnx::Add_7", "". Lower-case names such as "conv1" or "relu_1" are
 * somebody's choice and stay.
 */
const SAYS_NOTHING = [/^\d+$/, /^[nr]\d+$/, /^node_?\d+$/i, /^[A-Z][A-Za-z]*_\d+$/, /^onnx::/, /^\s*$/];
const saysNothing = (name: string) => SAYS_NOTHING.some((r) => r.test(name));

/**
 * PyTorch's "/layer1/layer1.0/conv1/Conv" -> "layer1.0.conv1" (the module path without the op);
 * "/Flatten" -> "flatten". Null for names that are not such paths.
 */
function modulePath(name: string): string | null {
  if (!name.startsWith('/')) return null;
  const parts = name.split('/').filter(Boolean);
  if (parts.length === 1) return parts[0].replace(/_output_\d+$/, '').toLowerCase();
  let path = '';
  for (const part of parts.slice(0, -1))
    path = path && !part.startsWith(`${path}.`) ? `${path}.${part}` : part;
  return path || null;
}

/**
 * A weight's name without what marks it as a weight: its device scope ("gpu_0/"), the blob version
 * ("_0"), and the parameter suffix (".weight", "_w", "_bn_s" keeps "_bn").
 */
export function stemOfWeight(source: string): string {
  let s = source.replace(/^gpu_\d+\//, '').replace(/_\d+$/, '');
  s = s.replace(
    /(?:[._/](?:weight|bias|kernel|W|b|w|s|scale|gamma|beta|mean|var|rm|riv|running_mean|running_var))$/i,
    '',
  );
  return s.replace(/^[._/]+|[._/]+$/g, '');
}

/** The name the importer's own fallback makes for a parameter: not a name from the file. */
const madeUp = (node: GraphNode, source: string) => source.startsWith(`${node.name}.`);

/**
 * Renames the imported nodes whose names say nothing, from their weights' names (`sources`: node
 * id -> parameter -> the ONNX tensor it came from) or from the layer before them. Inputs keep the
 * graph's input names, and the nodes producing its outputs their output names. Names stay unique.
 */
export function readableNames(
  graph: Graph,
  sources: Record<string, Record<string, string>>,
  /** Nodes whose names are the model's interface (its graph outputs): they stay as they are. */
  fixed: ReadonlySet<string> = new Set(),
): Graph {
  const firstInput = new Map<string, string>();
  for (const e of [...graph.edges].sort((a, b) => a.targetPort - b.targetPort))
    if (!firstInput.has(e.target)) firstInput.set(e.target, e.source);
  // Each node's wish, in graph order (an importer lists producers before their consumers).
  const stems = new Map<string, string>();
  const wishes = graph.nodes.map((n) => {
    const path = modulePath(n.name);
    const kept = n.type === 'Input' || fixed.has(n.id) || (!path && !saysNothing(n.name)) ? n.name : path;
    const params = Object.values(sources[n.id] ?? {}).filter((src) => !madeUp(n, src));
    const own = params.length ? stemOfWeight(params[0]) : '';
    const before = firstInput.get(n.id);
    const stem = kept || own || (before ? stems.get(before) : undefined) || '';
    stems.set(n.id, stem);
    if (kept) return kept;
    const op = (n.type === 'OnnxOp' ? String(n.attributes.op_type ?? 'op') : n.type).toLowerCase();
    // A layer is named after its weights; an ONNX op that holds a constant (a Mul by a scale)
    // also names its op, so it never takes the name of the layer those weights belong with.
    if (own && n.type !== 'OnnxOp') return own;
    return stem ? `${stem}_${op}` : op;
  });
  const used = new Set<string>();
  const names = wishes.map((base) => {
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  });
  if (names.every((name, i) => name === graph.nodes[i].name)) return graph;
  return { ...graph, nodes: graph.nodes.map((n, i) => (names[i] === n.name ? n : { ...n, name: names[i] })) };
}
