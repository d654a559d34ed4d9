// Diagnostics as values, multi-path receptive fields, memory estimates and edit purity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph } from '../../engine/index.ts';
import {
  addNode,
  analyze,
  connect,
  connectionProblem,
  disconnect,
  estimateMemory,
  GraphBuilder,
  isEditError,
  removeNodes,
  rename,
  setAttribute,
} from '../../engine/index.ts';

const ok = <T>(x: T | { error: string }): T => {
  if (isEditError(x)) throw new Error(x.error);
  return x as T;
};

function lenetish() {
  const b = new GraphBuilder();
  const input = b.input([1, 28, 28]);
  const conv = b.add('Conv2d', { out_channels: 6, kernel_size: 5 }, input, 'conv');
  const flat = b.add('Flatten', {}, conv, 'flat');
  const fc = b.add('Linear', { out_features: 10 }, flat, 'fc');
  return { b, input, conv, flat, fc };
}

test('a shape mismatch names the node and says what would fix it, and the rest is still analysed', () => {
  const { b, conv, flat, fc } = lenetish();
  // Remove Flatten and wire conv straight into a second conv that needs more channels than groups allow.
  let g: Graph = ok(setAttribute(b.graph, conv, 'kernel_size', 40));
  const a = analyze(g);
  const d = a.nodes.get(conv)!.diagnostics[0];
  assert.equal(d.code, 'invalid-attribute');
  assert.equal(d.attribute, 'kernel_size');
  assert.match(
    d.message,
    /conv: the 40-wide window .* larger than the padded input \(28\) along H; use a smaller kernel_size/,
  );
  // Downstream nodes have no shape but no extra noise; the input is still analysed.
  assert.equal(a.nodes.get(flat)!.outputShape, null);
  assert.deepEqual(a.nodes.get(flat)!.diagnostics, []);
  assert.deepEqual(a.nodes.get(b.graph.nodes[0].id)!.outputShape, ['N', 1, 28, 28]);
  g = ok(setAttribute(g, conv, 'kernel_size', 5));
  assert.deepEqual(analyze(g).nodes.get(fc)!.outputShape, ['N', 10]);
});

test('Add with different shapes reports both shapes and the fix', () => {
  const b = new GraphBuilder();
  const x = b.input([8, 16, 16]);
  const left = b.add('Conv2d', { out_channels: 8, kernel_size: 3, padding: 1 }, x);
  const right = b.add('Conv2d', { out_channels: 8, kernel_size: 3, stride: 2, padding: 1 }, x);
  const sum = b.add('Add', {}, [left, right], 'residual');
  const d = analyze(b.graph).nodes.get(sum)!.diagnostics[0];
  assert.equal(d.code, 'shape-mismatch');
  assert.match(
    d.message,
    /residual: inputs must have the same shape, but input 1 is \[N, 8, 16, 16\] and input 2 is \[N, 8, 8, 8\]/,
  );
});

test('a missing input and a cycle are diagnosed per node, never thrown', () => {
  const { b, conv, fc } = lenetish();
  let g = removeNodes(b.graph, [b.graph.nodes[0].id]);
  let a = analyze(g);
  assert.equal(a.nodes.get(conv)!.diagnostics[0].code, 'missing-input');
  assert.match(a.nodes.get(conv)!.diagnostics[0].message, /conv has nothing connected to input 'x'/);
  // connect() refuses a cycle; a file could still hold one, so analysis must survive it.
  assert.match(connectionProblem(g, { source: fc, target: conv, targetPort: 0 })!, /would make a cycle/);
  g = {
    nodes: g.nodes,
    edges: [...g.edges, { id: 'loop', source: fc, sourcePort: 0, target: conv, targetPort: 0 }],
  };
  a = analyze(g);
  assert.ok(a.diagnostics.some((d) => d.code === 'cycle' && d.nodeId === conv));
  assert.equal(a.order.length, g.nodes.length);
});

test('invalid attributes are refused by edits and diagnosed when they arrive some other way', () => {
  const { b, conv } = lenetish();
  const refused = setAttribute(b.graph, conv, 'stride', 0);
  assert.ok(isEditError(refused));
  assert.match(refused.error, /conv.stride every value must be at least 1/);
  const forced: Graph = {
    nodes: b.graph.nodes.map((n) =>
      n.id === conv ? { ...n, attributes: { ...n.attributes, groups: 4 } } : n,
    ),
    edges: b.graph.edges,
  };
  const d = analyze(forced).nodes.get(conv)!.diagnostics[0];
  assert.equal(d.attribute, 'groups');
  assert.match(d.message, /groups \(4\) must divide the 1 input channels/);
});

test('edits are pure: the original graph is untouched, so undo is keeping the old value', () => {
  const { b, conv } = lenetish();
  const before = JSON.stringify(b.graph);
  const after = ok(rename(ok(setAttribute(b.graph, conv, 'out_channels', 12)), conv, 'c1'));
  assert.equal(JSON.stringify(b.graph), before);
  assert.equal(after.nodes.find((n) => n.id === conv)!.name, 'c1');
  assert.ok(isEditError(rename(after, conv, 'fc')), 'names stay unique');
  const unwired = disconnect(after, [after.edges[0].id]);
  assert.equal(unwired.edges.length, after.edges.length - 1);
  assert.ok(
    isEditError(
      connect(after, { source: after.edges[0].source, target: after.edges[0].target, targetPort: 0 }),
    ),
    'one source per input port',
  );
  assert.ok(isEditError(addNode(after, { type: 'Conv3000' })));
});

test('paths with different centres are flagged as unaligned and the largest field is kept', () => {
  const b = new GraphBuilder();
  const x = b.input([1, 32, 32]);
  const big = b.add('Conv2d', { out_channels: 1, kernel_size: 5, padding: 2 }, x);
  const shifted = b.add('Conv2d', { out_channels: 1, kernel_size: 3, padding: [0, 0, 2, 2] }, x); // centre moved by 1
  const sum = b.add('Add', {}, [big, shifted]);
  const node = analyze(b.graph).nodes.get(sum)!;
  assert.deepEqual(node.receptiveField, { size: [5, 5], stride: [1, 1], start: [-2, -2] });
  assert.equal(node.receptivePaths.length, 2);
  assert.equal(node.diagnostics[0].code, 'unaligned-receptive-field');
  assert.equal(node.diagnostics[0].severity, 'warning');
});

test('dilation widens the field to d(k-1)+1 per layer: two 3x3 convs with dilation 2 see 9x9', () => {
  const b = new GraphBuilder();
  const last = b.chain(b.input([1, 32, 32]), [
    ['Conv2d', { out_channels: 2, kernel_size: 3, dilation: 2 }],
    ['Conv2d', { out_channels: 2, kernel_size: 3, dilation: 2 }],
  ]);
  assert.deepEqual(analyze(b.graph).nodes.get(last)!.receptiveField, {
    size: [9, 9],
    stride: [1, 1],
    start: [0, 0],
  });
});

test('memory: activations per sample and a training estimate that grows with the batch and optimizer state', () => {
  const b = new GraphBuilder();
  b.chain(b.input([784]), [['Linear', { out_features: 100 }], ['ReLU'], ['Linear', { out_features: 10 }]]);
  const a = analyze(b.graph);
  // Outputs per sample: 784 (input) + 100 + 100 + 10 floats.
  assert.equal(a.activationBytesPerSample, (784 + 100 + 100 + 10) * 4);
  const params = 784 * 100 + 100 + 100 * 10 + 10;
  const sgd = estimateMemory(a, 32, 0);
  assert.equal(sgd.parameterBytes, params * 4);
  assert.equal(sgd.trainingBytes, params * 4 * 2 + 2 * 32 * a.activationBytesPerSample);
  assert.equal(estimateMemory(a, 32, 2).trainingBytes - sgd.trainingBytes, 2 * params * 4);
});

test('frozen layers keep their parameters but stop counting as trainable', () => {
  const b = new GraphBuilder();
  const fc = b.chain(b.input([10]), [['Linear', { out_features: 5 }]]);
  const g: Graph = {
    ...b.graph,
    nodes: b.graph.nodes.map((n) => (n.id === fc ? { ...n, frozen: true } : n)),
  };
  const t = analyze(g).totals;
  assert.equal(t.params, 55);
  assert.equal(t.trainableParams, 0);
});

test('Linear straight after a conv is legal (PyTorch acts on the last axis) but gets a warning with the fix', () => {
  const b = new GraphBuilder();
  const fc = b.chain(b.input([3, 8, 8]), [
    ['Conv2d', { out_channels: 4, kernel_size: 3 }],
    ['Linear', { out_features: 5 }],
  ]);
  const node = analyze(b.graph).nodes.get(fc)!;
  assert.deepEqual(node.outputShape, ['N', 4, 6, 5]);
  assert.equal(node.diagnostics.length, 1);
  assert.equal(node.diagnostics[0].severity, 'warning');
  assert.match(node.diagnostics[0].message, /last axis only \(size 6\) .* add a Flatten before it/);
  // Per step of a (N, L, features) sequence it is what a transformer's feed-forward does: no warning.
  const ff = b.chain(b.input([7, 4], 'sequence'), [['Linear', { out_features: 8 }]]);
  assert.deepEqual(analyze(b.graph).nodes.get(ff)!.diagnostics, []);
});
