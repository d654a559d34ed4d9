// The renderer's store through its actions, with no DOM: every edit is one undo step.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphBuilder, newDocument } from '../../engine/index.ts';
import { analysisOf } from '../../renderer/state/analysis.ts';
import { createAppStore } from '../../renderer/state/store.ts';
import { summaryCsv, summaryMarkdown, summaryRows } from '../../renderer/summary/summaryTable.ts';
import { formatReceptiveField } from '../../renderer/components/format.ts';
import { commandForKey } from '../../renderer/app/shortcuts.ts';

function lenetLike() {
  const b = new GraphBuilder();
  const x = b.input([1, 28, 28]);
  b.chain(x, [
    ['Conv2d', { out_channels: 6, kernel_size: 5 }],
    ['ReLU'],
    ['MaxPool2d', { kernel_size: 2 }],
    ['Flatten'],
    ['Linear', { out_features: 10 }],
  ]);
  return newDocument('t', b.graph);
}

const ids = (s: ReturnType<typeof createAppStore>) => s.getState().doc.graph.nodes.map((n) => n.id);

describe('When a user adds and wires layers', () => {
  it('adds a dropped layer, selects it, and undo/redo step through', () => {
    const store = createAppStore();
    const { actions } = store.getState();
    actions.addLayer('Input', { x: 0, y: 0 });
    actions.addLayer('Conv2d', { x: 0, y: 120 });
    assert.deepEqual(ids(store), ['input_1', 'conv2d_1']);
    assert.deepEqual(store.getState().selection.nodes, ['conv2d_1']);
    assert.equal(actions.connectPorts({ source: 'input_1', target: 'conv2d_1', targetPort: 0 }), true);
    assert.equal(store.getState().doc.graph.edges.length, 1);
    actions.undo();
    assert.equal(store.getState().doc.graph.edges.length, 0);
    actions.undo();
    assert.deepEqual(ids(store), ['input_1']);
    actions.redo();
    actions.redo();
    assert.equal(store.getState().doc.graph.edges.length, 1);
  });

  it('refuses a cycle with a notice and records nothing', () => {
    const store = createAppStore({ doc: lenetLike() });
    const { actions } = store.getState();
    assert.equal(actions.connectPorts({ source: 'relu_1', target: 'conv2d_1', targetPort: 0 }), false);
    assert.match(store.getState().notice?.text ?? '', /already connected|cycle/);
    assert.equal(store.getState().history.past.length, 0);
  });

  it('appends a layer below the selected one and wires it (palette double-click)', () => {
    const store = createAppStore({ doc: lenetLike() });
    const { actions } = store.getState();
    actions.select({ nodes: ['linear_1'], edges: [] });
    actions.appendLayer('Softmax');
    const g = store.getState().doc.graph;
    assert.ok(g.edges.some((e) => e.source === 'linear_1' && e.target === 'softmax_1'));
    assert.ok(
      g.nodes.find((n) => n.id === 'softmax_1')!.position.y >
        g.nodes.find((n) => n.id === 'linear_1')!.position.y,
    );
  });
});

describe('When a user types into an attribute field', () => {
  it('merges consecutive values of one field into one undo step', () => {
    const store = createAppStore({ doc: lenetLike() });
    const { actions } = store.getState();
    actions.setAttribute('conv2d_1', 'out_channels', 1);
    actions.setAttribute('conv2d_1', 'out_channels', 16);
    actions.setAttribute('conv2d_1', 'kernel_size', 3);
    assert.equal(store.getState().history.past.length, 2);
    actions.undo();
    actions.undo();
    assert.equal(store.getState().doc.graph.nodes[1].attributes.out_channels, 6);
  });

  it('recomputes analysis from the document (156 params for Conv2d 1->6 k5)', () => {
    const store = createAppStore({ doc: lenetLike() });
    const a = analysisOf(store.getState().doc.graph);
    assert.equal(a.nodes.get('conv2d_1')!.params, 156);
    assert.equal(formatReceptiveField(a.nodes.get('conv2d_1')!.receptiveField), 'RF 5×5 /1 @0');
    assert.equal(formatReceptiveField(a.nodes.get('linear_1')!.receptiveField), 'RF global');
  });

  it('reuses the analysis when only positions changed', () => {
    const store = createAppStore({ doc: lenetLike() });
    const before = analysisOf(store.getState().doc.graph);
    store.getState().actions.moveNodes([{ id: 'relu_1', position: { x: 5, y: 5 } }], false);
    assert.equal(analysisOf(store.getState().doc.graph), before);
  });

  it('refuses a duplicate name and keeps the old one', () => {
    const store = createAppStore({ doc: lenetLike() });
    assert.match(store.getState().actions.renameNode('relu_1', 'conv2d_1') ?? '', /already called/);
    assert.equal(store.getState().actions.renameNode('relu_1', 'act'), null);
    assert.equal(store.getState().doc.graph.nodes[2].name, 'act');
  });
});

describe('When a user drags nodes', () => {
  it('records the whole drag as one undo step, not every frame', () => {
    const store = createAppStore({ doc: lenetLike() });
    const { actions } = store.getState();
    const start = store.getState().doc.graph.nodes[0].position;
    for (let i = 1; i <= 5; i++) actions.moveNodes([{ id: 'input_1', position: { x: i * 10, y: 0 } }], true);
    actions.moveNodes([{ id: 'input_1', position: { x: 60, y: 0 } }], false);
    assert.equal(store.getState().history.past.length, 1);
    actions.undo();
    assert.deepEqual(store.getState().doc.graph.nodes[0].position, start);
  });
});

describe('When a user deletes, copies and pastes', () => {
  it('deletes a node with its edges and undo restores both', () => {
    const store = createAppStore({ doc: lenetLike() });
    const { actions } = store.getState();
    actions.select({ nodes: ['flatten_1'], edges: [] });
    actions.deleteSelection();
    assert.equal(store.getState().doc.graph.edges.length, 3);
    assert.ok(
      analysisOf(store.getState().doc.graph)
        .nodes.get('linear_1')!
        .diagnostics.some((d) => d.code === 'missing-input'),
    );
    actions.undo();
    assert.equal(store.getState().doc.graph.edges.length, 5);
  });

  it('pastes copies with fresh ids and their internal edges, offset each time', () => {
    const store = createAppStore({ doc: lenetLike() });
    const { actions } = store.getState();
    actions.select({ nodes: ['conv2d_1', 'relu_1'], edges: [] });
    actions.copySelection();
    actions.paste();
    actions.paste();
    const g = store.getState().doc.graph;
    assert.equal(g.nodes.length, 10);
    assert.ok(g.edges.some((e) => e.source === 'conv2d_2' && e.target === 'relu_2'));
    assert.deepEqual(store.getState().selection.nodes, ['conv2d_3', 'relu_3']);
    actions.duplicateSelection();
    assert.equal(store.getState().doc.graph.nodes.length, 12);
  });

  it('loading a document is undoable and requests a zoom to fit', () => {
    const store = createAppStore();
    const fit = store.getState().fitRequest;
    store.getState().actions.loadDocument(lenetLike());
    assert.equal(store.getState().fitRequest, fit + 1);
    store.getState().actions.undo();
    assert.equal(store.getState().doc.graph.nodes.length, 0);
  });
});

describe('The summary export', () => {
  it('lists layers in order with totals, as CSV and Markdown', () => {
    const doc = lenetLike();
    const a = analysisOf(doc.graph);
    const rows = summaryRows(doc.graph, a);
    assert.deepEqual(
      rows.map((r) => r.type),
      ['Input', 'Conv2d', 'ReLU', 'MaxPool2d', 'Flatten', 'Linear'],
    );
    const csv = summaryCsv(rows, a.totals).trim().split('\n');
    assert.equal(csv[0], 'layer,type,output_shape,params,trainable_params,macs,receptive_field');
    assert.equal(csv[2], 'conv2d_1,Conv2d,"[N, 6, 24, 24]",156,156,86400,5×5 /1 @0');
    assert.equal(csv.at(-1), `total,,,${a.totals.params},${a.totals.trainableParams},${a.totals.macs},`);
    assert.match(
      summaryMarkdown('t', rows, a.totals),
      /\| conv2d_1 \| Conv2d \| \[N, 6, 24, 24\] \| 156 \| 86,400 \| 5×5 \/1 @0 \|/,
    );
  });
});

describe('Keyboard shortcuts', () => {
  const key = (k: string, mods: Partial<{ ctrlKey: boolean; shiftKey: boolean; metaKey: boolean }> = {}) =>
    commandForKey({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });
  it('maps Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y and leaves plain keys alone', () => {
    assert.equal(key('z', { ctrlKey: true }), 'undo');
    assert.equal(key('Z', { ctrlKey: true, shiftKey: true }), 'redo');
    assert.equal(key('y', { ctrlKey: true }), 'redo');
    assert.equal(key('d', { metaKey: true }), 'duplicate');
    assert.equal(key('z'), null);
  });
});
