// The analysis is derived from the document, never stored in it. One cached result per graph;
// when only node positions changed (every frame of a drag), the previous analysis is reused, and
// after an edit only the edited nodes and what they feed are analysed again.
import type { Analysis, Graph } from '../../engine/index.ts';
import { analyze } from '../../engine/index.ts';

let cached: { graph: Graph; analysis: Analysis } | null = null;

function sameExceptPositions(a: Graph, b: Graph): boolean {
  if (a.edges !== b.edges || a.nodes.length !== b.nodes.length) return false;
  return a.nodes.every((n, i) => {
    const m = b.nodes[i];
    return (
      n === m ||
      (n.id === m.id &&
        n.type === m.type &&
        n.name === m.name &&
        n.attributes === m.attributes &&
        n.frozen === m.frozen)
    );
  });
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
