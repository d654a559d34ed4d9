// The canvas's projection of the document into React Flow nodes keeps a node's object while
// nothing React Flow needs from it changed: a node that has just been measured keeps its object
// (React Flow already holds the size it measured), so a big graph's view is not re-rendered once
// more right after it opens; the next new object of that node carries the measured size.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeBox } from '../../renderer/canvas/nodeBox.ts';
import { DEFAULT_SIZE, toFlowNodes } from '../../renderer/canvas/projection.ts';
import { loadTemplate } from '../helpers/templates.ts';

const none = { nodes: [], edges: [] };

describe('toFlowNodes', () => {
  const graph = loadTemplate('lenet5').graph;
  const id = graph.nodes[1].id;

  it('gives an unmeasured layer its usual size and its ports, so it need not render to be placed', () => {
    const node = toFlowNodes(graph, none, {}).find((n) => n.id === id)!;
    assert.equal(node.initialWidth, DEFAULT_SIZE.width);
    assert.equal(node.initialHeight, DEFAULT_SIZE.height);
    assert.ok(node.handles && node.handles.length >= 2);
    assert.equal(node.measured, undefined);
  });

  it("places an unmeasured layer's ports for the canvas's level of detail, and re-places them when it changes", () => {
    const tile = toFlowNodes(graph, none, {}, 'TB', nodeBox('far')).find((n) => n.id === id)!;
    const output = (n: typeof tile) => n.handles!.find((h) => h.type === 'source')!;
    // A compact tile: 84 px tall, 1 px bottom border, 10 px ports centred on the padding box's edge.
    assert.equal(tile.initialHeight, 84);
    assert.deepEqual([output(tile).x, output(tile).y], [105, 78]);
    const full = toFlowNodes(graph, none, {}, 'TB', nodeBox('full')).find((n) => n.id === id)!;
    assert.notEqual(full, tile);
    assert.equal(full.initialHeight, nodeBox('full').height);
    // A full node's stripe is 4 px: its input port sits 1 px above the box.
    assert.equal(full.handles!.find((h) => h.type === 'target')!.y, -1);
  });

  it('keeps the object when the layer has just been measured, and carries the size in its next one', () => {
    const before = toFlowNodes(graph, none, {});
    const size = { width: 220, height: 84 };
    const measured = Object.fromEntries(graph.nodes.map((n) => [n.id, size]));
    const after = toFlowNodes(graph, none, measured);
    after.forEach((n, i) => assert.equal(n, before[i], `${n.id} got a new object when measured`));

    const selected = toFlowNodes(graph, { nodes: [id], edges: [] }, measured);
    const node = selected.find((n) => n.id === id)!;
    assert.notEqual(
      node,
      before.find((n) => n.id === id),
    );
    assert.equal(node.selected, true);
    assert.deepEqual(node.measured, size);
    assert.equal(node.handles, undefined);
  });

  it('makes a new object when a measured layer is measured again at another size', () => {
    const small = { width: 220, height: 84 };
    const moved = toFlowNodes(graph, { nodes: [id], edges: [] }, { [id]: small }).find((n) => n.id === id)!;
    const big = { width: 260, height: 140 };
    const again = toFlowNodes(graph, { nodes: [id], edges: [] }, { [id]: big }).find((n) => n.id === id)!;
    assert.notEqual(again, moved);
    assert.deepEqual(again.measured, big);
  });
});
