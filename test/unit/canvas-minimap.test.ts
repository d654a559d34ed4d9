// The minimap draws every node as a rounded rectangle in one SVG path per colour, frames under
// the layers inside them, and says when its drawing changed (renderer/canvas/MiniMap.tsx).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InternalNode } from '@xyflow/react';
import { drawNodes } from '../../renderer/canvas/MiniMap.tsx';

interface Spec {
  id: string;
  x: number;
  y: number;
  width?: number;
  height?: number;
  parentId?: string;
  hidden?: boolean;
}

const internal = ({ id, x, y, width, height, parentId, hidden }: Spec) =>
  ({
    id,
    position: { x, y },
    data: {},
    measured: { width, height },
    parentId,
    hidden,
    internals: { positionAbsolute: { x, y }, z: 0, userNode: { id } },
  }) as unknown as InternalNode;

const lookup = (specs: Spec[]) => new Map(specs.map((s) => [s.id, internal(s)]));

/** The bounding boxes of a path's subpaths, walking its absolute M and relative h, v and a commands. */
function boxes(d: string): { x0: number; y0: number; x1: number; y1: number; closed: boolean }[] {
  const out = [];
  for (const sub of d.split('M').filter(Boolean)) {
    const tokens = sub.match(/[a-zA-Z]|-?[\d.]+/g)!;
    let [x, y] = [Number(tokens[0]), Number(tokens[1])];
    const start = [x, y];
    let [x0, y0, x1, y1] = [x, y, x, y];
    for (let i = 2; i < tokens.length;) {
      const c = tokens[i++];
      if (c === 'h') x += Number(tokens[i++]);
      else if (c === 'v') y += Number(tokens[i++]);
      else if (c === 'a') {
        i += 5; // radii, rotation, flags
        x += Number(tokens[i++]);
        y += Number(tokens[i++]);
      } else if (c === 'z') break;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
    out.push({ x0, y0, x1, y1, closed: x === start[0] && y === start[1] });
  }
  return out;
}

describe('the minimap drawing', () => {
  const colours: Record<string, string> = { frame: 'grey', a: 'red', b: 'blue', c: 'red' };
  const colourOf = (n: { id: string }) => colours[n.id] ?? 'black';
  // The frame last, as React Flow might hold it: it is still drawn first.
  const specs: Spec[] = [
    { id: 'a', x: 10.4, y: 20.6, width: 220, height: 84, parentId: 'frame' },
    { id: 'b', x: 250, y: 20, width: 220, height: 84, parentId: 'frame' },
    { id: 'c', x: 600, y: 400, width: 220, height: 84 },
    { id: 'hidden', x: 5000, y: 5000, width: 220, height: 84, hidden: true },
    { id: 'unsized', x: -5000, y: -5000 },
    { id: 'frame', x: 0, y: 0, width: 500, height: 300 },
  ];

  it('draws frames first, then one path per colour, leaving out hidden and unsized nodes', () => {
    const { paths, nodes } = drawNodes(lookup(specs), colourOf);
    assert.deepEqual(
      paths.map((p) => [p.color, boxes(p.d).length]),
      [
        ['grey', 1],
        ['red', 2],
        ['blue', 1],
      ],
    );
    // The drawn nodes' bounds: the frame's corner to c's far corner (hidden and unsized left out).
    assert.deepEqual(nodes, { x: 0, y: 0, width: 820, height: 484 });
  });

  it('draws each node as a closed outline over its box, in whole flow units', () => {
    const red = drawNodes(lookup(specs), colourOf).paths.find((p) => p.color === 'red')!;
    assert.deepEqual(boxes(red.d), [
      { x0: 10, y0: 21, x1: 230, y1: 105, closed: true },
      { x0: 600, y0: 400, x1: 820, y1: 484, closed: true },
    ]);
    // A node smaller than its corners still closes, within its box.
    const tiny = drawNodes(lookup([{ id: 'x', x: 0, y: 0, width: 4, height: 2 }]), colourOf).paths[0];
    assert.deepEqual(boxes(tiny.d), [{ x0: 0, y0: 0, x1: 4, y1: 2, closed: true }]);
  });

  it('keeps its key while nothing drawn changed, and changes it when a node moves', () => {
    // The same node objects (React Flow's, unchanged) give the same drawing without redrawing.
    const held = lookup(specs);
    assert.equal(drawNodes(held, colourOf), drawNodes(held, colourOf));
    const before = drawNodes(lookup(specs), colourOf).key;
    assert.equal(drawNodes(lookup(specs), colourOf).key, before);
    const moved = specs.map((s) => (s.id === 'b' ? { ...s, x: 260 } : s));
    assert.notEqual(drawNodes(lookup(moved), colourOf).key, before);
  });
});
