// Issue 16, "read a big graph at a glance": repeated stages found from structure alone, names
// read from the file, layouts that keep groups as boxes, and the canvas helpers behind Find and
// zoom to fit. The model zoo's files are the independent source: ResNet-50 has 3, 4, 6 and 3
// bottleneck blocks per stage (He et al. 2015, Table 1), DenseNet-121 6, 12, 24 and 16 dense
// layers per block (Huang et al. 2017, Table 1), GoogLeNet 2, 5 and 2 inception modules at
// 28, 14 and 7 pixels (Szegedy et al. 2015, Table 1; Caffe's pooling rounds 28 down to 27 here).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyze, GraphBuilder, newDocument } from '../../engine/index.ts';
import type { ProjectDocument } from '../../engine/index.ts';
import { GROUP_FRAME, layoutPositions } from '../../engine/graph/layout.ts';
import { chainStages } from '../../engine/graph/chainStages.ts';
import { repeatedStages } from '../../engine/graph/repeats.ts';
import { readableNames, stemOfWeight } from '../../engine/onnx/importNames.ts';
import { importOnnx } from '../../engine/onnx/import.ts';
import { decodeModel } from '../../engine/onnx/proto.ts';
import { FIXTURES, noFixtures } from '../helpers/onnxCases.ts';
import { loadTemplate } from '../helpers/templates.ts';
import { findLayers } from '../../renderer/canvas/find.ts';
import { visibleArea } from '../../renderer/canvas/viewport.ts';
import { farTitle, shortTitle } from '../../renderer/canvas/blockTitles.ts';
import { tableOrFull, toggled } from '../../renderer/inspector/TableField.tsx';

const light = (name: string) =>
  importOnnx(decodeModel(new Uint8Array(readFileSync(join(FIXTURES, 'light', `light_${name}.onnx`)))));

describe('Repeated stages of an imported model', { skip: noFixtures }, () => {
  it('ResNet-50: four collapsed stages of 3, 4, 6 and 3 blocks, named res2..res5', () => {
    const { doc } = light('resnet50');
    assert.deepEqual(
      doc.groups?.map((g) => [g.title, g.collapsed]),
      [
        ['res2 (3 blocks)', true],
        ['res3 (4 blocks)', true],
        ['res4 (6 blocks)', true],
        ['res5 (3 blocks)', true],
      ],
    );
    // Every Add (one per bottleneck block) is inside a stage; the stem and the head are not.
    const inside = new Set(doc.groups!.flatMap((g) => g.members));
    const adds = doc.graph.nodes.filter((n) => n.type === 'Add');
    assert.equal(adds.length, 16);
    assert.ok(adds.every((n) => inside.has(n.id)));
    assert.ok(!inside.has(doc.graph.nodes.find((n) => n.type === 'Input')!.id));
    assert.ok(!inside.has(doc.graph.nodes.find((n) => n.type === 'Linear')!.id));
  });

  it('DenseNet-121: 6, 12, 24 and 16 layers per dense block; GoogLeNet: 2, 5 and 2 modules', () => {
    const blocks = (name: string) => {
      const { doc } = light(name);
      return repeatedStages(doc.graph, analyze(doc.graph)).map((s) => s.blocks);
    };
    assert.deepEqual(blocks('densenet121'), [6, 12, 24, 16]);
    assert.deepEqual(blocks('inception_v1'), [2, 5, 2]);
  });

  it('DenseNet-121: the transition layers between the dense blocks are groups too', () => {
    // Huang et al. 2017, §3 and Table 1: batch norm (with its ReLU), a 1×1 convolution and a 2×2
    // average pooling between each two dense blocks.
    const { doc } = light('densenet121');
    const byId = new Map(doc.graph.nodes.map((n) => [n.id, n]));
    assert.deepEqual(
      doc.groups?.map((g) => g.title),
      [
        'Stage 1 at 56×56 (6 blocks)',
        'Transition 1 (4 layers)',
        'Stage 2 at 28×28 (12 blocks)',
        'Transition 2 (4 layers)',
        'Stage 3 at 14×14 (24 blocks)',
        'Transition 3 (4 layers)',
        'Stage 4 at 7×7 (16 blocks)',
      ],
    );
    for (const g of doc.groups!.filter((g) => g.title.startsWith('Transition')))
      assert.deepEqual(
        g.members.map((m) => byId.get(m)!.type),
        ['BatchNorm2d', 'ReLU', 'Conv2d', 'AvgPool2d'],
      );
    // Group ids are unique and none is a node's.
    const ids = doc.groups!.map((g) => g.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every((id) => !byId.has(id)));
    // ResNet-50's stages follow one another with nothing between them: no transitions.
    assert.equal(light('resnet50').doc.groups?.length, 4);
  });

  it('a plain chain (VGG-16) and a single module have no repeated stages', () => {
    for (const name of ['vgg16', 'inception-bottleneck']) {
      const doc = loadTemplate(name);
      assert.deepEqual(repeatedStages(doc.graph, analyze(doc.graph)), [], name);
    }
  });

  it('VGG-19, a plain chain: five collapsed stages of 2, 2, 4, 4 and 4 convolutions, each closed by its pooling, and the classifier', () => {
    // Simonyan & Zisserman 2015, Table 1, configuration E.
    const { doc } = light('vgg19');
    const byId = new Map(doc.graph.nodes.map((n) => [n.id, n]));
    const groups = doc.groups ?? [];
    assert.deepEqual(
      groups.map((g) => [g.title, g.collapsed]),
      [
        ['conv1 (5 layers)', true],
        ['conv2 (5 layers)', true],
        ['conv3 (9 layers)', true],
        ['conv4 (9 layers)', true],
        ['conv5 (9 layers)', true],
        ['Head (8 layers)', true],
      ],
    );
    const types = (g: { members: string[] }) => g.members.map((m) => byId.get(m)!.type);
    const stages = groups.slice(0, 5);
    assert.deepEqual(
      stages.map((g) => types(g).filter((t) => t === 'Conv2d').length),
      [2, 2, 4, 4, 4],
    );
    assert.ok(stages.every((g) => types(g).at(-1) === 'MaxPool2d'));
    // The classifier holds the three fully connected layers, the last one at its end.
    assert.equal(types(groups[5]).filter((t) => t === 'Linear').length, 3);
    assert.equal(types(groups[5]).at(-1), 'Linear');
    // The input and the softmax at the output stay on the canvas as they are.
    const inside = new Set(groups.flatMap((g) => g.members));
    const outside = doc.graph.nodes.filter((n) => n.type === 'Softmax' || n.type === 'Input');
    assert.equal(outside.length, 2);
    assert.ok(outside.every((n) => !inside.has(n.id)));
  });

  it('AlexNet: a strided first convolution opens its stage; 1, 1 and 3 convolutions per stage', () => {
    // Krizhevsky et al. 2012, Figure 2: conv1 and conv2 each pooled, conv3 to conv5 then one pooling.
    const { doc } = light('bvlc_alexnet');
    const byId = new Map(doc.graph.nodes.map((n) => [n.id, n]));
    assert.deepEqual(
      (doc.groups ?? []).map((g) => [
        g.title,
        g.members.filter((m) => byId.get(m)!.type === 'Conv2d').length,
      ]),
      [
        ['Stage 1 at 54×54 (4 layers)', 1],
        ['Stage 2 at 26×26 (4 layers)', 1],
        ['Stage 3 at 12×12 (7 layers)', 3],
        ['Head (8 layers)', 0],
      ],
    );
  });

  it('short chains and branching graphs get no chain stages', () => {
    for (const name of ['lenet5', 'mini-vgg', 'resnet18', 'inception-bottleneck']) {
      const doc = loadTemplate(name);
      assert.deepEqual(chainStages(doc.graph, analyze(doc.graph)), [], name);
    }
    // The VGG-16 template is long enough: five stages, as its layers are drawn in the paper.
    const vgg16 = loadTemplate('vgg16');
    assert.deepEqual(
      chainStages(vgg16.graph, analyze(vgg16.graph)).map((s) => s.title),
      [
        'Stage 1 at 224×224 (5 layers)',
        'Stage 2 at 112×112 (5 layers)',
        'Stage 3 at 56×56 (7 layers)',
        'Stage 4 at 28×28 (7 layers)',
        'Stage 5 at 14×14 (7 layers)',
        'Head (8 layers)',
      ],
    );
  });

  it('ResNet-18 (a template): the stage finder works on any graph, four stages of two blocks', () => {
    const doc = loadTemplate('resnet18');
    const stages = repeatedStages(doc.graph, analyze(doc.graph));
    assert.deepEqual(
      stages.map((s) => [s.blocks, s.title]),
      [
        [2, 'Stage 1 at 56×56 (2 blocks)'],
        [2, 'Stage 2 at 28×28 (2 blocks)'],
        [2, 'Stage 3 at 14×14 (2 blocks)'],
        [2, 'Stage 4 at 7×7 (2 blocks)'],
      ],
    );
  });

  it('a tile zoomed out shows what it can afford: the stage name, then its block count', () => {
    assert.equal(shortTitle('Stage 1 at 56×56 (6 blocks)'), 'Stage 1 ×6');
    assert.equal(farTitle('Stage 1 at 56×56 (6 blocks)'), 'Stage 1');
    assert.equal(shortTitle('res2 (3 blocks)'), 'res2 ×3');
    assert.equal(farTitle('res2 (3 blocks)'), 'res2');
    // A chain's stage: its size and layer count stay in the tooltip.
    assert.equal(shortTitle('Stage 3 at 56×56 (9 layers)'), 'Stage 3');
    assert.equal(shortTitle('conv3 (9 layers)'), 'conv3');
    assert.equal(farTitle('Stage 3 at 56×56 (9 layers)'), 'Stage 3');
    assert.equal(farTitle('conv3 (9 layers)'), 'conv3');
    // A user's own title is theirs, even one that reads like a generated one.
    assert.equal(farTitle('Stage 1 at 56×56 or so'), 'Stage 1 at 56×56 or so');
  });
});

describe('Names of imported nodes', () => {
  it('come from the weights when the file numbers its nodes (n0, n1, ...)', { skip: noFixtures }, () => {
    const { doc } = light('resnet50');
    const names = doc.graph.nodes.slice(0, 8).map((n) => n.name);
    assert.deepEqual(names, [
      'gpu_0/data_0',
      'conv1',
      'res_conv1_bn',
      'res_conv1_bn_relu',
      'res_conv1_bn_maxpool2d',
      'res2_0_branch2a',
      'res2_0_branch2a_bn',
      'res2_0_branch2a_bn_relu',
    ]);
    assert.equal(new Set(doc.graph.nodes.map((n) => n.name)).size, doc.graph.nodes.length, 'unique');
  });

  it('an opaque op names its operator; PyTorch module paths become dotted names', () => {
    const b = new GraphBuilder();
    const x = b.input([3, 8, 8]);
    const conv = b.add('Conv2d', { out_channels: 4, kernel_size: 3 }, x);
    const relu = b.add('ReLU', {}, conv);
    b.add('OnnxOp', { op_type: 'LRN', attributes: '[]', outputs: 1 }, relu);
    const g = b.graph;
    const named = {
      ...g,
      nodes: g.nodes.map((n, i) => ({ ...n, name: ['x', '/layer1/layer1.0/conv1/Conv', 'Relu_3', 'n7'][i] })),
    };
    const out = readableNames(named, {}, new Set());
    assert.deepEqual(
      out.nodes.map((n) => n.name),
      ['x', 'layer1.0.conv1', 'layer1.0.conv1_relu', 'layer1.0.conv1_lrn'],
    );
  });

  it('weight names lose their device scope, blob version and parameter suffix', () => {
    assert.equal(stemOfWeight('gpu_0/res2_0_branch2a_w_0'), 'res2_0_branch2a');
    assert.equal(stemOfWeight('gpu_0/res2_0_branch2a_bn_s_0'), 'res2_0_branch2a_bn');
    assert.equal(stemOfWeight('layer1.0.conv1.weight'), 'layer1.0.conv1');
    assert.equal(stemOfWeight('conv2_1/x1/bn_scale_0'), 'conv2_1/x1/bn');
  });
});

describe('Layout with groups', () => {
  const doc = (): ProjectDocument => {
    const b = new GraphBuilder();
    let x = b.input([8]);
    for (let i = 0; i < 6; i++) x = b.add('Linear', { out_features: 8 }, x);
    const d = newDocument('chain', b.graph);
    const members = d.graph.nodes.slice(2, 5).map((n) => n.id);
    return { ...d, groups: [{ id: 'g', title: 'G', members, collapsed: true }] };
  };
  const size = () => ({ width: 220, height: 80 });

  it('left to right puts every edge rightwards, top to bottom downwards', async () => {
    const d = doc();
    for (const direction of ['LR', 'TB'] as const) {
      const at = await layoutPositions(d.graph, size, { direction, groups: [] });
      const axis = direction === 'LR' ? 'x' : 'y';
      for (const e of d.graph.edges)
        assert.ok(at[e.target][axis] > at[e.source][axis], `${direction} ${e.id}`);
    }
  });

  it('a collapsed group takes the room of its card; expanded, of its members and frame', async () => {
    const d = doc();
    const [first, , , , , after] = [0, 1, 2, 3, 4, 5].map((i) => d.graph.nodes[i + 1].id);
    const collapsed = await layoutPositions(d.graph, size, { direction: 'TB', groups: d.groups });
    const expanded = await layoutPositions(d.graph, size, {
      direction: 'TB',
      groups: d.groups!.map((g) => ({ ...g, collapsed: false })),
    });
    // Three members of 80 px with 48 px between them need far more room than one 112 px card.
    const gap = (at: Record<string, { y: number }>) => at[after].y - at[first].y;
    assert.ok(gap(expanded) - gap(collapsed) > 2 * (80 + 48) - 112 - 10);
    // Expanded, the members sit inside the frame's margins, right of its title column.
    const members = d.groups![0].members.map((m) => expanded[m]);
    assert.ok(members.every((p) => p.y >= expanded[first].y + 80 + GROUP_FRAME.top));
  });
});

describe('Find and the visible canvas', () => {
  it('finds by name, by type (an ONNX op by its operator) and by block title, in graph order', () => {
    const b = new GraphBuilder();
    const x = b.input([3, 8, 8]);
    const c = b.add('Conv2d', { out_channels: 4, kernel_size: 3 }, x);
    b.add('OnnxOp', { op_type: 'LRN', attributes: '[]', outputs: 1 }, c);
    const d = newDocument('find', b.graph);
    const lrn = d.graph.nodes[2];
    const named = {
      ...d,
      graph: { ...d.graph, nodes: d.graph.nodes.map((n) => (n === lrn ? { ...n, name: 'norm_conv' } : n)) },
      groups: [{ id: 'g', title: 'stem', members: [d.graph.nodes[1].id], collapsed: true }],
    };
    assert.deepEqual(
      findLayers(named, 'conv').map((h) => [h.name, h.field]),
      [
        ['conv2d_1', 'name'],
        ['norm_conv', 'name'],
      ],
    );
    assert.deepEqual(
      findLayers(named, 'lrn').map((h) => [h.name, h.type]),
      [['norm_conv', 'ONNX LRN']],
    );
    assert.deepEqual(
      findLayers(named, 'stem').map((h) => [h.name, h.block]),
      [['conv2d_1', 'stem']],
    );
    assert.deepEqual(findLayers(named, '  '), []);
  });

  it('zoom to fit leaves out the strip an overlay covers along the canvas edge', () => {
    const canvas = new DOMRectLike(200, 40, 900, 500);
    // Import notes over the bottom left: the bottom strip goes (less area lost than the left).
    const notes = new DOMRectLike(212, 390, 460, 150);
    assert.deepEqual(visibleArea(canvas, [notes]), { x: 0, y: 0, width: 900, height: 350 });
    // A tall panel on the right: the right strip goes.
    const panel = new DOMRectLike(800, 40, 300, 500);
    assert.deepEqual(visibleArea(canvas, [panel]), { x: 0, y: 0, width: 600, height: 500 });
    // Something elsewhere on the page changes nothing.
    assert.deepEqual(visibleArea(canvas, [new DOMRectLike(0, 0, 100, 30)]), {
      x: 0,
      y: 0,
      width: 900,
      height: 500,
    });
  });

  it('the C3 grid editor toggles one connection at a time, from "all connected" too', () => {
    const full = tableOrFull(null, 3, 2);
    assert.deepEqual(full, [
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    assert.deepEqual(toggled(full, 1, 0), [
      [1, 1],
      [0, 1],
      [1, 1],
    ]);
    // A stored table of another size (the layer changed) starts again from all connected.
    assert.deepEqual(tableOrFull([[1]], 2, 2), [
      [1, 1],
      [1, 1],
    ]);
  });
});

/** DOMRect without a DOM: what getBoundingClientRect returns. */
class DOMRectLike {
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
  readonly top: number;
  constructor(
    readonly x: number,
    readonly y: number,
    readonly width: number,
    readonly height: number,
  ) {
    [this.left, this.top, this.right, this.bottom] = [x, y, x + width, y + height];
  }
  toJSON() {
    return this;
  }
}
