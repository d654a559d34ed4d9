// Analysis after an edit reuses what the edit cannot have changed (analyze's `previous`): the
// result must equal a full analysis of the edited graph, node for node, whatever the edit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Analysis, Graph } from '../../engine/index.ts';
import { analyze, GraphBuilder, isEditError, moveNode, rename, setAttribute } from '../../engine/index.ts';
import { loadTemplate } from '../helpers/templates.ts';

const plain = (a: Analysis) => ({
  order: a.order,
  nodes: [...a.nodes.entries()],
  edgeShapes: [...a.edgeShapes.entries()],
  totals: a.totals,
  activationBytesPerSample: a.activationBytesPerSample,
  diagnostics: a.diagnostics,
});

test('an incremental analysis equals the full one after edits, renames, moves and errors', () => {
  for (const name of ['resnet18', 'lenet5', 'inception-bottleneck']) {
    let graph: Graph = loadTemplate(name).graph;
    let previous = { graph, analysis: analyze(graph) };
    let reused = 0;
    const convs = graph.nodes.filter((n) => n.type === 'Conv2d');
    const edits: ((g: Graph) => Graph | { error: string })[] = [
      (g) => setAttribute(g, convs[0].id, 'out_channels', 24),
      (g) => setAttribute(g, convs[1].id, 'kernel_size', 5),
      (g) => rename(g, convs[1].id, 'renamed'),
      (g) => moveNode(g, convs[0].id, { x: 500, y: 500 }),
      // An error, and its repair.
      (g) => setAttribute(g, convs[0].id, 'kernel_size', 400),
      (g) => setAttribute(g, convs[0].id, 'kernel_size', 3),
      (g) => setAttribute(g, convs.at(-1)!.id, 'padding', 2),
    ];
    for (const edit of edits) {
      const next = edit(graph);
      assert.ok(!isEditError(next), name);
      graph = next as Graph;
      const incremental = analyze(graph, previous);
      assert.deepEqual(plain(incremental), plain(analyze(graph)), name);
      reused += [...incremental.nodes].filter(([id, r]) => previous.analysis.nodes.get(id) === r).length;
      previous = { graph, analysis: incremental };
    }
    // Reuse happened (the nodes upstream of each edit), or this test would only prove analyze() works.
    assert.ok(reused > graph.nodes.length, `${name}: ${reused} node results reused`);
  }
});

test('the whole-model size problem is found again, once, on an incremental analysis', () => {
  // Three Linear layers of 10,000 × 10,000 (10⁸ each, under the tensor limit; 3·10⁸ in all, over the model's).
  const b = new GraphBuilder();
  b.chain(b.input([10_000]), [
    ['Linear', { out_features: 10_000 }],
    ['Linear', { out_features: 10_000 }],
    ['Linear', { out_features: 10_000 }],
  ]);
  const graph = b.graph;
  const first = analyze(graph);
  const count = (a: Analysis) => a.diagnostics.filter((d) => /The model holds/.test(d.message)).length;
  assert.equal(count(first), 1);
  const renamed = rename(graph, graph.nodes[0].id, 'x') as Graph;
  const again = analyze(renamed, { graph, analysis: first });
  assert.equal(count(again), 1);
  assert.deepEqual(plain(again), plain(analyze(renamed)));
});
