// The analysis is derived from the document, never stored in it. One cached result per graph;
// when only node positions changed (every frame of a drag), the previous analysis is reused, and
// after an edit only the edited nodes and what they feed are analysed again.
import type { Analysis, Graph, GraphNode } from '../../engine/index.ts';
import { analyze } from '../../engine/index.ts';

let cached: { graph: Graph; analysis: Analysis } | null = null;

/** Whether two versions of a node differ at most in their position. */
export function sameSettings(n: GraphNode, m: GraphNode): boolean {
  return (
    n === m ||
    (n.id === m.id &&
      n.type === m.type &&
      n.name === m.name &&
      n.attributes === m.attributes &&
      n.frozen === m.frozen)
  );
}

function sameExceptPositions(a: Graph, b: Graph): boolean {
  if (a.edges !== b.edges || a.nodes.length !== b.nodes.length) return false;
  return a.nodes.every((n, i) => sameSettings(n, b.nodes[i]));
}

export function analysisOf(graph: Graph): Analysis {
  if (cached && (cached.graph === graph || sameExceptPositions(cached.graph, graph))) {
    cached = { graph, analysis: cached.analysis };
    return cached.analysis;
  }
  const start = performance.now();
  // An edit keeps the edges (an attribute, a name): only what it changed is analysed again.
  cached = { graph, analysis: analyze(graph, cached ?? undefined) };
  // A User Timing entry for the latest analysis, for scripts/bench-canvas.ts and the profiler.
  performance.clearMeasures('netwright:analysis');
  performance.measure('netwright:analysis', { start, detail: { nodes: graph.nodes.length } });
  return cached.analysis;
}

/**
 * `derive` memoised per analysis: computed again only when the graph changed in more than its
 * layout. For what a store selector derives from the whole graph, which would otherwise run on
 * every store update (each frame of a drag).
 */
export function perAnalysis<T>(derive: (graph: Graph) => T): (graph: Graph) => T {
  const memo = new WeakMap<Analysis, { value: T }>();
  return (graph) => {
    const analysis = analysisOf(graph);
    let hit = memo.get(analysis);
    if (!hit) memo.set(analysis, (hit = { value: derive(graph) }));
    return hit.value;
  };
}
