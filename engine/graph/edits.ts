// Pure edit operations. Each returns a new Graph (structural sharing, never mutation) or an
// EditError explaining why the edit is refused; the caller decides how to show it.
import type { AttrValue } from '../layer.ts';
import { defaultAttributes, maxInputs } from '../layer.ts';
import { getLayer } from '../layers/index.ts';
import { checkAttribute } from '../attributes.ts';
import type { Edge, Graph, GraphNode } from './graph.ts';
import { edgeId, freshId, freshName, nodeById, reaches } from './graph.ts';

export interface EditError {
  error: string;
}

export function isEditError(x: unknown): x is EditError {
  return typeof x === 'object' && x !== null && 'error' in x;
}

export interface NewNode {
  type: string;
  id?: string;
  name?: string;
  attributes?: Record<string, AttrValue>;
  position?: { x: number; y: number };
}

export function addNode(graph: Graph, spec: NewNode): Graph | EditError {
  const def = getLayer(spec.type);
  if (!def) return { error: `There is no layer type '${spec.type}'.` };
  const id = spec.id ?? freshId(graph, spec.type);
  if (nodeById(graph, id)) return { error: `A node with id '${id}' already exists.` };
  const node: GraphNode = {
    id,
    type: spec.type,
    name: spec.name ?? freshName(graph, spec.type),
    attributes: { ...defaultAttributes(def), ...spec.attributes },
    position: spec.position ?? { x: 0, y: 0 },
  };
  return { nodes: [...graph.nodes, node], edges: graph.edges };
}

/** Removes nodes and every edge touching them. */
export function removeNodes(graph: Graph, ids: readonly string[]): Graph {
  const gone = new Set(ids);
  return {
    nodes: graph.nodes.filter((n) => !gone.has(n.id)),
    edges: graph.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target)),
  };
}

export interface Connection {
  source: string;
  sourcePort?: number;
  target: string;
  targetPort: number;
}

/** Why an edge may not be drawn, or null. Shared with the canvas's isValidConnection. */
export function connectionProblem(graph: Graph, c: Connection): string | null {
  const source = nodeById(graph, c.source);
  const target = nodeById(graph, c.target);
  if (!source || !target) return 'Both ends of a connection must be nodes of this graph.';
  if (c.source === c.target) return `${target.name} can't feed itself.`;
  const def = getLayer(target.type);
  if (def && c.targetPort >= maxInputs(def)) return `${target.name} has no input port ${c.targetPort + 1}.`;
  if (graph.edges.some((e) => e.target === c.target && e.targetPort === c.targetPort))
    return `Input ${c.targetPort + 1} of ${target.name} is already connected; an input port takes one source.`;
  if (reaches(graph, c.target, c.source))
    return `Connecting ${source.name} to ${target.name} would make a cycle; networks here are acyclic.`;
  return null;
}

export function connect(graph: Graph, c: Connection): Graph | EditError {
  const why = connectionProblem(graph, c);
  if (why) return { error: why };
  const sourcePort = c.sourcePort ?? 0;
  const edge: Edge = {
    id: edgeId(c.source, sourcePort, c.target, c.targetPort),
    source: c.source,
    sourcePort,
    target: c.target,
    targetPort: c.targetPort,
  };
  return { nodes: graph.nodes, edges: [...graph.edges, edge] };
}

export function disconnect(graph: Graph, edgeIds: readonly string[]): Graph {
  const gone = new Set(edgeIds);
  return { nodes: graph.nodes, edges: graph.edges.filter((e) => !gone.has(e.id)) };
}

function updateNode(graph: Graph, id: string, f: (n: GraphNode) => GraphNode): Graph | EditError {
  const index = graph.nodes.findIndex((n) => n.id === id);
  if (index < 0) return { error: `There is no node '${id}'.` };
  const nodes = graph.nodes.slice();
  nodes[index] = f(nodes[index]);
  return { nodes, edges: graph.edges };
}

/**
 * Sets one attribute. Values outside the spec are refused here; values that are valid on their
 * own but don't fit the input shapes are accepted and show up as diagnostics in analysis.
 */
export function setAttribute(graph: Graph, id: string, key: string, value: AttrValue): Graph | EditError {
  const node = nodeById(graph, id);
  if (!node) return { error: `There is no node '${id}'.` };
  const spec = getLayer(node.type)?.attributes[key];
  if (!spec) return { error: `${node.type} has no attribute '${key}'.` };
  const why = checkAttribute(spec, value);
  if (why) return { error: `${node.name}.${key} ${why}.` };
  return updateNode(graph, id, (n) => ({ ...n, attributes: { ...n.attributes, [key]: value } }));
}

export function rename(graph: Graph, id: string, name: string): Graph | EditError {
  const trimmed = name.trim();
  if (!trimmed) return { error: 'A node name can’t be empty.' };
  if (graph.nodes.some((n) => n.name === trimmed && n.id !== id))
    return {
      error: `Another node is already called '${trimmed}'; names are unique so exports stay readable.`,
    };
  return updateNode(graph, id, (n) => ({ ...n, name: trimmed }));
}

export function moveNode(graph: Graph, id: string, position: { x: number; y: number }): Graph | EditError {
  return updateNode(graph, id, (n) => ({ ...n, position }));
}

export function setFrozen(graph: Graph, id: string, frozen: boolean): Graph | EditError {
  return updateNode(graph, id, (n) => ({ ...n, frozen }));
}
