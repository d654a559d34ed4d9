// Groups (collapsible blocks): saved in the project file, validated with the field named, one
// undo step each, pruned when their layers are deleted, and summarised at their boundary.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProjectDocument } from '../../engine/index.ts';
import { DocumentError, parseDocument, serializeDocument } from '../../engine/index.ts';
import { resolveGroupChanges } from '../../renderer/canvas/groupChanges.ts';
import { membersBounds, withGroups } from '../../renderer/canvas/groupProjection.ts';
import { toFlowEdges, toFlowNodes } from '../../renderer/canvas/projection.ts';
import { analysisOf } from '../../renderer/state/analysis.ts';
import {
  expandGroupIds,
  groupNodes,
  pruneGroups,
  summarizeGroup,
  updateGroup,
} from '../../renderer/state/groups.ts';
import { createAppStore } from '../../renderer/state/store.ts';
import { loadTemplate } from '../helpers/templates.ts';

const C1 = ['conv2d_1', 'relu_1', 'maxpool2d_1'];

function grouped(doc = loadTemplate('lenet5'), members = C1, title = 'C1'): ProjectDocument {
  const made = groupNodes(doc, members, title);
  assert.ok(!('error' in made));
  return made.doc;
}

function rejects(raw: unknown, field: RegExp, message: RegExp) {
  assert.throws(
    () => parseDocument(JSON.stringify(raw)),
    (e: unknown) => e instanceof DocumentError && field.test(e.field ?? '') && message.test(e.message),
  );
}

describe('When groups are saved in a project file', () => {
  it('round-trips them, and files without groups stay as they were', () => {
    const doc = updateGroup(grouped(), 'group_1', { collapsed: true });
    const back = parseDocument(serializeDocument(doc));
    assert.deepEqual(back.groups, [{ id: 'group_1', title: 'C1', members: C1, collapsed: true }]);
    assert.equal('groups' in parseDocument(serializeDocument(loadTemplate('lenet5'))), false);
  });

  it('names the field of a member that does not exist, a node in two groups, and clashing ids', () => {
    const raw = JSON.parse(serializeDocument(grouped()));
    raw.groups[0].members[1] = 'relu_9';
    rejects(raw, /^groups\[0\]\.members\[1\]$/, /no node has the id 'relu_9'/);

    const twice = JSON.parse(serializeDocument(grouped()));
    twice.groups.push({ id: 'group_2', title: 'B', members: ['relu_1'], collapsed: false });
    rejects(twice, /^groups\[1\]\.members\[0\]$/, /already in group 'group_1'/);

    const clash = JSON.parse(serializeDocument(grouped()));
    clash.groups[0].id = 'conv2d_2';
    rejects(clash, /^groups\[0\]\.id$/, /used by a node/);

    const empty = JSON.parse(serializeDocument(grouped()));
    empty.groups[0].members = [];
    rejects(empty, /^groups\[0\]\.members$/, /at least one member/);

    const typed = JSON.parse(serializeDocument(grouped()));
    typed.groups[0].collapsed = 'yes';
    rejects(typed, /^groups\[0\]\.collapsed$/, /boolean/);
  });
});

describe('When a user groups layers in the editor', () => {
  it('grouping, collapsing, renaming and ungrouping are each one undo step', () => {
    const store = createAppStore({ doc: loadTemplate('lenet5') });
    const { actions } = store.getState();
    const doc0 = store.getState().doc;
    const made = groupNodes(doc0, C1, 'C1');
    assert.ok(!('error' in made));
    actions.editDocument(made.doc);
    actions.editDocument(updateGroup(store.getState().doc, made.id, { collapsed: true }));
    assert.equal(store.getState().doc.groups?.[0].collapsed, true);
    actions.undo();
    assert.equal(store.getState().doc.groups?.[0].collapsed, false);
    actions.undo();
    assert.equal(store.getState().doc.groups, undefined);
    assert.equal(store.getState().doc, doc0);
    actions.redo();
    actions.redo();
    assert.equal(store.getState().doc.groups?.[0].collapsed, true);
  });

  it('deleting layers takes them out of their group, and an emptied group disappears', () => {
    const store = createAppStore({ doc: grouped() });
    const { actions } = store.getState();
    actions.deleteElements(['relu_1'], []);
    assert.deepEqual(store.getState().doc.groups?.[0].members, ['conv2d_1', 'maxpool2d_1']);
    actions.deleteElements(['conv2d_1', 'maxpool2d_1'], []);
    assert.equal(store.getState().doc.groups, undefined);
    // Every state on the way saves as a valid file.
    parseDocument(serializeDocument(store.getState().doc));
    actions.undo();
    assert.equal(store.getState().doc.groups?.[0].members.length, 2);
  });

  it('grouping layers that are already in a block moves them (merging two blocks)', () => {
    const two = grouped(grouped(), ['conv2d_2', 'relu_2'], 'C3');
    const merged = groupNodes(two, ['maxpool2d_1', 'conv2d_2', 'relu_2'], 'middle');
    assert.ok(!('error' in merged));
    assert.deepEqual(
      merged.doc.groups?.map((g) => [g.title, g.members]),
      [
        ['C1', ['conv2d_1', 'relu_1']],
        ['middle', ['maxpool2d_1', 'conv2d_2', 'relu_2']],
      ],
    );
    assert.deepEqual(groupNodes(two, []), { error: 'Select the layers to group first.' });
    assert.equal(pruneGroups(two), two);
  });

  it('a collapsed block sums its layers and shows the shapes at its boundary', () => {
    const doc = grouped();
    const s = summarizeGroup(doc.groups![0], doc.graph, analysisOf(doc.graph));
    // Conv2d(1, 6, 5, padding=2) on 28x28: 6*25 + 6 = 156 params, 6*25*28*28 = 117,600 MACs.
    assert.deepEqual(s, {
      members: 3,
      params: 156,
      macs: 117_600,
      inputs: [['N', 1, 28, 28]],
      outputs: [['N', 6, 14, 14]],
    });
  });
});

describe('When groups are drawn on the canvas', () => {
  const project = (doc: ProjectDocument) =>
    withGroups(
      doc.groups,
      doc.graph,
      {},
      { nodes: [], edges: [] },
      toFlowNodes(doc.graph, { nodes: [], edges: [] }, {}),
      toFlowEdges(doc.graph, { nodes: [], edges: [] }, analysisOf(doc.graph), true),
    );

  it('an expanded group is a parent frame and its members are placed relative to it', () => {
    const doc = grouped();
    const { nodes } = project(doc);
    assert.equal(nodes[0].id, 'group_1'); // parents come before their children
    const conv = nodes.find((n) => n.id === 'conv2d_1')!;
    assert.equal(conv.parentId, 'group_1');
    const bounds = membersBounds(doc.groups![0], doc.graph, {});
    assert.ok(conv.position.x > 0 && conv.position.y > 0);
    assert.ok(nodes[0].width! > bounds.width && nodes[0].height! > bounds.height);
  });

  it('a collapsed group hides its members and re-routes the edges crossing its boundary', () => {
    const doc = updateGroup(grouped(), 'group_1', { collapsed: true });
    const { nodes, edges } = project(doc);
    assert.equal(nodes.length, doc.graph.nodes.length - 3 + 1);
    assert.ok(!nodes.some((n) => C1.includes(n.id)));
    const touching = edges.filter((e) => e.source === 'group_1' || e.target === 'group_1');
    assert.deepEqual(
      touching.map((e) => `${e.source}->${e.target}`),
      ['input_1->group_1', 'group_1->conv2d_2'],
    );
    assert.ok(!edges.some((e) => C1.includes(e.source) || C1.includes(e.target)));
  });

  it('dragging a block moves its layers; a member dragged inside a frame gets its absolute position', () => {
    const doc = grouped();
    const store = createAppStore({ doc });
    const { nodes } = project(doc);
    const frame = nodes[0].position;
    const moved = resolveGroupChanges(doc, {}, [
      { type: 'position', id: 'group_1', position: { x: frame.x + 10, y: frame.y + 5 }, dragging: true },
    ]);
    const conv = doc.graph.nodes.find((n) => n.id === 'conv2d_1')!;
    assert.deepEqual(
      moved.find((c) => 'id' in c && c.id === 'conv2d_1'),
      {
        type: 'position',
        id: 'conv2d_1',
        dragging: true,
        position: { x: conv.position.x + 10, y: conv.position.y + 5 },
      },
    );
    assert.equal(moved.length, 3);
    const child = resolveGroupChanges(doc, {}, [
      { type: 'position', id: 'relu_1', position: { x: 1, y: 2 }, dragging: true },
    ]);
    assert.deepEqual(child[0], {
      type: 'position',
      id: 'relu_1',
      dragging: true,
      position: { x: frame.x + 1, y: frame.y + 2 },
    });
    // Selecting a block selects its layers; deleting a block deletes them.
    const selects = resolveGroupChanges(doc, {}, [{ type: 'select', id: 'group_1', selected: true }]);
    assert.deepEqual(
      selects.map((c) => c.type === 'select' && c.id),
      C1,
    );
    // A click on the frame deselects the layer selected before, even when it is a member.
    const click = resolveGroupChanges(doc, {}, [
      { type: 'select', id: 'group_1', selected: true },
      { type: 'select', id: 'relu_1', selected: false },
      { type: 'select', id: 'linear_1', selected: false },
    ]);
    assert.deepEqual(
      click.map((c) => c.type === 'select' && `${c.id}:${c.selected}`),
      ['conv2d_1:true', 'relu_1:true', 'maxpool2d_1:true', 'linear_1:false'],
    );
    assert.deepEqual(expandGroupIds(doc, ['group_1', 'linear_1']), [...C1, 'linear_1']);
    store.getState().actions.deleteElements(expandGroupIds(doc, ['group_1']), []);
    assert.equal(store.getState().doc.groups, undefined);
  });
});
