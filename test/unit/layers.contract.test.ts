// One suite generated from the registry: every layer's worked examples, its attribute defaults,
// and the registry file agreeing with the layer files on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  allLayers,
  analyze,
  checkAttribute,
  GraphBuilder,
  isEditError,
  addNode,
  connect,
  emptyGraph,
} from '../../engine/index.ts';
import type { AnyLayerDef, LayerExample, Graph } from '../../engine/index.ts';
import { repoRoot } from '../helpers/templates.ts';

/** Builds Input nodes with the example's shapes feeding one node of the layer. */
function exampleGraph(def: AnyLayerDef, ex: LayerExample): { graph: Graph; id: string } {
  let g: Graph = emptyGraph;
  const sources: string[] = [];
  ex.inputs.forEach((shape, i) => {
    const [batch, ...rest] = shape;
    const next = addNode(g, {
      type: 'Input',
      id: `in${i}`,
      attributes: { shape: rest as number[], batch_size: batch === 'N' ? null : (batch as number) },
    });
    assert.ok(!isEditError(next));
    g = next;
    sources.push(`in${i}`);
  });
  const added = addNode(g, { type: def.type, id: 'layer', attributes: ex.attributes });
  assert.ok(!isEditError(added), isEditError(added) ? added.error : '');
  g = added;
  sources.forEach((s, port) => {
    const wired = connect(g, { source: s, target: 'layer', targetPort: port });
    assert.ok(!isEditError(wired));
    g = wired;
  });
  return { graph: g, id: 'layer' };
}

test('the registry lists exactly the layer files on disk', () => {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/gen-layer-registry.ts', '--check'], {
    cwd: repoRoot,
  });
  assert.ok(allLayers().length >= 27);
});

test('the foundation issue’s layer types are all registered', () => {
  const types = new Set(allLayers().map((l) => l.type));
  for (const t of [
    'Input',
    'Linear',
    'Conv1d',
    'Conv2d',
    'ConvTranspose2d',
    'MaxPool2d',
    'AvgPool2d',
    'GlobalAvgPool2d',
    'Flatten',
    'Reshape',
    'ZeroPad2d',
    'ReLU',
    'LeakyReLU',
    'Sigmoid',
    'Tanh',
    'ELU',
    'SELU',
    'GELU',
    'Softmax',
    'LogSoftmax',
    'Dropout',
    'BatchNorm1d',
    'BatchNorm2d',
    'LayerNorm',
    'Add',
    'Subtract',
    'Concat',
    'Identity',
  ])
    assert.ok(types.has(t), `${t} is missing`);
});

for (const def of allLayers()) {
  test(`${def.type}: every default attribute is valid and documented`, () => {
    for (const [key, spec] of Object.entries(def.attributes)) {
      assert.equal(checkAttribute(spec, spec.default), null, `${def.type}.${key} default`);
      assert.ok(spec.doc.length > 5, `${def.type}.${key} needs help text`);
    }
    assert.ok(def.summary.length > 10);
    assert.ok(def.examples.length >= 1, `${def.type} needs a worked example`);
  });

  def.examples.forEach((ex, i) => {
    test(`${def.type} example ${i + 1}: ${ex.why}`, () => {
      const { graph, id } = exampleGraph(def, ex);
      const a = analyze(graph);
      const node = a.nodes.get(id)!;
      assert.deepEqual(node.diagnostics, []);
      assert.deepEqual(node.outputShape, ex.output);
      if (ex.params !== undefined) assert.equal(node.params, ex.params);
      if (ex.macs !== undefined) assert.equal(node.macs, ex.macs);
      assert.equal(node.flops, 2 * node.macs);
    });
  });
}

test('GraphBuilder wires a chain whose shapes flow end to end', () => {
  const b = new GraphBuilder();
  const last = b.chain(b.input([3, 8, 8]), [
    ['Conv2d', { out_channels: 4, kernel_size: 3 }],
    ['Flatten'],
    ['Linear', { out_features: 2 }],
  ]);
  assert.deepEqual(analyze(b.graph).nodes.get(last)!.outputShape, ['N', 2]);
});
