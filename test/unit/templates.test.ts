// Every template loads and analyses cleanly, and the published figures come out exactly.
// Sources: torchvision's model metadata (ResNet-18 11,689,512 params, 1.814 G MACs; VGG-16
// 138,357,544; AlexNet 61,100,840), LeCun et al. 1998 (LeNet-5 C3: 1,516), DESIGN.md's MAC
// figures, Araujo et al. 2019 for receptive fields (VGG-16 212/32/90, ResNet-18 435/32/217).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Analysis, ReceptiveField } from '../../engine/index.ts';
import { analyze } from '../../engine/index.ts';
import { loadTemplate, templateNames } from '../helpers/templates.ts';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listTemplates } from '../../host/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const analysed = (name: string) => {
  const doc = loadTemplate(name);
  return { doc, a: analyze(doc.graph) };
};

/** The last node (in topological order) whose field is still local, i.e. the last feature map. */
function lastFeatureMap(a: Analysis): ReceptiveField {
  for (const id of [...a.order].reverse()) {
    const rf = a.nodes.get(id)!.receptiveField;
    if (rf && !('global' in rf)) return rf;
  }
  throw new Error('no local receptive field');
}

test('the foundation issue’s templates all exist', () => {
  const names = templateNames();
  for (const t of [
    'mlp',
    'lenet5',
    'lenet5-c3',
    'mini-vgg',
    'alexnet',
    'vgg16',
    'resnet18',
    'inception-naive',
    'inception-bottleneck',
    'deep-sigmoid-mlp',
    'receptive-field-stack',
  ])
    assert.ok(names.includes(t), t);
});

/**
 * Warnings a template shows on purpose. A U-Net's skip joins full-resolution features with pooled
 * and upsampled ones, whose receptive fields sit half a pixel apart: the warning is true there.
 */
const EXPECTED_WARNINGS: Record<string, string[]> = {
  'unet-denoiser': ['unaligned-receptive-field concat_1'],
};

for (const name of templateNames()) {
  test(`template ${name} loads and analyses with no diagnostics (but its expected warnings) and a shape on every node`, () => {
    const { doc, a } = analysed(name);
    assert.ok(doc.name.length > 0 && (doc.description ?? '').length > 0);
    const names = new Map(doc.graph.nodes.map((n) => [n.id, n.name]));
    assert.deepEqual(
      a.diagnostics.map((d) => `${d.code} ${names.get(d.nodeId ?? '') ?? ''}`),
      EXPECTED_WARNINGS[name] ?? [],
    );
    for (const n of a.nodes.values()) assert.ok(n.outputShape, n.id);
    for (const s of a.edgeShapes.values()) assert.ok(s);
  });
}

test('ResNet-18: 11,689,512 params, 1,814,073,344 MACs, last feature map RF 435 / stride 32 / start -217', () => {
  const { a } = analysed('resnet18');
  assert.equal(a.totals.params, 11_689_512);
  assert.equal(a.totals.macs, 1_814_073_344);
  assert.equal(a.totals.flops, 2 * 1_814_073_344);
  // 20 BatchNorm2d layers hold 2C running statistics each: 9,600 buffers = torchvision's 2C BN parameters.
  assert.equal(a.totals.buffers, 9_600);
  assert.deepEqual(lastFeatureMap(a), { size: [435, 435], stride: [32, 32], start: [-217, -217] });
});

test('VGG-16: 138,357,544 params; last feature map RF 212 / 32 / -90', () => {
  const { a } = analysed('vgg16');
  assert.equal(a.totals.params, 138_357_544);
  assert.deepEqual(lastFeatureMap(a), { size: [212, 212], stride: [32, 32], start: [-90, -90] });
});

test('AlexNet (torchvision): 61,100,840 params', () => {
  assert.equal(analysed('alexnet').a.totals.params, 61_100_840);
});

test('LeNet-5: 61,706 params and 416,520 MACs; the original C3 table saves 900 weights', () => {
  const plain = analysed('lenet5').a;
  assert.equal(plain.totals.params, 61_706);
  assert.equal(plain.totals.macs, 416_520);
  const c3 = analysed('lenet5-c3').a;
  // C3 by hand: 60 connected (out, in) pairs x 25 taps + 16 biases = 1,516 (LeCun et al. 1998).
  const conv = [...c3.nodes.values()].find((n) => n.parameters.some((p) => p.count !== undefined))!;
  assert.equal(conv.params, 60 * 25 + 16);
  assert.equal(c3.totals.params, 61_706 - (16 * 6 * 25 - 60 * 25));
  assert.equal(conv.macs, 60 * 25 * 10 * 10);
});

test('MLP 784-512-512-10 and mini-VGG: the forward MACs of DESIGN.md', () => {
  const mlp = analysed('mlp').a;
  assert.equal(mlp.totals.macs, 668_672);
  assert.equal(mlp.totals.params, 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10);
  assert.equal(analysed('mini-vgg').a.totals.macs, 77_307_904);
});

test('Inception (3a): the 1x1 bottlenecks cut MACs from 303 M to 128 M (Szegedy et al. 2015: 128 M)', () => {
  const naive = analysed('inception-naive').a;
  const bottleneck = analysed('inception-bottleneck').a;
  // Naive by hand: 28*28 * (192*64*1 + 192*128*9 + 192*32*25) = 784 * 387,072.
  assert.equal(naive.totals.macs, 784 * (192 * 64 + 192 * 128 * 9 + 192 * 32 * 25));
  // With reductions: 784 * (192*64 + 192*96 + 96*128*9 + 192*16 + 16*32*25 + 192*32).
  assert.equal(
    bottleneck.totals.macs,
    784 * (192 * 64 + 192 * 96 + 96 * 128 * 9 + 192 * 16 + 16 * 32 * 25 + 192 * 32),
  );
  assert.equal(bottleneck.totals.macs, 128_049_152);
  const out = (a: Analysis) => a.nodes.get(a.order[a.order.length - 1])!.outputShape;
  assert.deepEqual(out(naive), ['N', 416, 28, 28]);
  assert.deepEqual(out(bottleneck), ['N', 256, 28, 28]);
});

test('receptive-field stack: 3, 5, 6, 10, 14, 16 with strides 1, 1, 2, 2, 2, 4 (worked by hand)', () => {
  const { doc, a } = analysed('receptive-field-stack');
  const windows = new Set(
    doc.graph.nodes.filter((n) => n.type === 'Conv2d' || n.type === 'MaxPool2d').map((n) => n.id),
  );
  const fields = a.order
    .filter((id) => windows.has(id))
    .map((id) => a.nodes.get(id)!.receptiveField as ReceptiveField);
  assert.deepEqual(
    fields.map((f) => [f.size[0], f.stride[0], f.start[0]]),
    [
      [3, 1, -1],
      [5, 1, -2],
      [6, 2, -2],
      [10, 2, -4],
      [14, 2, -6],
      [16, 4, -6],
    ],
  );
});

test('global pooling and Flatten make the field global', () => {
  const { a } = analysed('resnet18');
  const gap = [...a.nodes.entries()].find(([id]) => id.startsWith('globalavgpool2d'))![1];
  assert.deepEqual(gap.receptiveField, { global: true });
});

test('the gallery lists every lesson once, in the course order, and every template once', async () => {
  const { listTemplates } = await import('../../host/templates.ts');
  const { defaultTemplatesDir } = await import('../../host/paths.ts');
  const { TEACHING_ORDER } = await import('../../scripts/make-templates.ts');
  const { gallerySections } = await import('../../renderer/lessons/gallery.ts');
  const infos = await listTemplates(defaultTemplatesDir);
  const { lessons, templates } = gallerySections(infos);
  const shown = [...lessons, ...templates].map((t) => t.id);
  assert.equal(new Set(shown).size, shown.length, 'a template is listed twice');
  assert.deepEqual([...shown].sort(), templateNames().sort(), 'every template is listed');
  assert.deepEqual(
    lessons.map((t) => t.id),
    TEACHING_ORDER,
  );
  assert.equal(new Set(lessons.map((t) => t.lesson)).size, lessons.length, 'two lessons share a title');
  assert.ok(templates.every((t) => t.lesson === undefined));
});

test('the gallery reads a template file again only when it changed', async () => {
  const dir = tempDir('nw-templates-');
  const file = join(dir, 'mine.netwright.json');
  const write = (name: string) =>
    writeFileSync(file, JSON.stringify({ version: 1, name, graph: { nodes: [], edges: [] } }));
  write('First');
  assert.deepEqual(
    (await listTemplates(dir)).map((t) => t.name),
    ['First'],
  );
  // Same size and a new time: a changed file is read again.
  write('Other');
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  assert.deepEqual(
    (await listTemplates(dir)).map((t) => t.name),
    ['Other'],
  );
  rmSync(file);
  assert.deepEqual(await listTemplates(dir), []);
});
