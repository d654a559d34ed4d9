// Blocks, pictures and ONNX in the app: group and collapse LeNet-5 layers, export the canvas as PNG
// and SVG, export LeNet-5 as ONNX and run it, import a real ResNet-50 and read it.
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { copyFileSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { decodeProjectArchive } from '../../engine/index.ts';
import {
  download,
  expectNoOverlap,
  lightOnnx,
  menu,
  node,
  openApp,
  openTemplate,
  shot,
  SHOTS,
  watchErrors,
} from './helpers.ts';

const RESNET50 = lightOnnx('light_resnet50.onnx');

const block = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect([...bytes.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test.describe('When a user groups layers of LeNet-5 into a block', () => {
  test('the collapsed block summarises them, it is saved, and undo takes it apart again', async ({
    page,
  }) => {
    const errors = watchErrors(page);
    await openApp(page);
    await openTemplate(page, 'Lesson: LeNet-5 on MNIST');
    await page.waitForTimeout(300);
    await node(page, 'conv2d_1').locator('.layer-node__header').click();
    for (const id of ['relu_1', 'maxpool2d_1'])
      await node(page, id)
        .locator('.layer-node__header')
        .click({ modifiers: ['Shift'] });
    await menu(page, 'Edit', 'Group into block');
    await expect(block(page, 'group_1')).toBeVisible();
    await expect(page.getByRole('group', { name: 'Block Block 1' })).toContainText('3 layers');

    // Rename by double-clicking the title.
    await block(page, 'group_1').locator('.block-node__title').dblclick();
    await page.getByRole('textbox', { name: 'Block title' }).fill('C1 feature maps');
    await page.getByRole('textbox', { name: 'Block title' }).press('Enter');
    await shot(page, 'lenet5-group-expanded');

    await page.getByRole('button', { name: 'Collapse C1 feature maps' }).click();
    const card = page.getByRole('group', { name: 'Block C1 feature maps' });
    await expect(node(page, 'conv2d_1')).toHaveCount(0);
    await expect(card.getByTestId('block-members')).toHaveText('3 layers');
    await expect(card.getByTestId('block-params')).toHaveText('156 params');
    await expect(card.getByTestId('block-macs')).toHaveText('118 K MACs'); // 6*25*28*28 = 117,600
    await expect(card.getByTestId('block-in')).toHaveText('in [N, 1, 28, 28]');
    await expect(card.getByTestId('block-out')).toHaveText('out [N, 6, 14, 14]');
    // The model itself is unchanged; the edges now meet the block.
    await expect(page.getByTestId('status-params')).toHaveText('61,706 params');
    await expect(page.locator('.react-flow__edge')).toHaveCount(10);
    await shot(page, 'lenet5-group-collapsed');

    // Dragging the block moves its hidden layers with it.
    const before = (await card.boundingBox())!;
    const grab = { x: before.x + before.width / 2, y: before.y + before.height - 12 };
    await page.mouse.move(grab.x, grab.y);
    await page.mouse.down();
    await page.mouse.move(grab.x + 200, grab.y + 40, { steps: 8 });
    await page.mouse.up();
    await expect.poll(async () => (await card.boundingBox())!.x).toBeGreaterThan(before.x + 150);

    const saved = await download(page, () => menu(page, 'File', 'Save'), 'grouped.netwright');
    const { doc } = decodeProjectArchive(readFileSync(saved));
    expect(doc.groups).toEqual([
      {
        id: 'group_1',
        title: 'C1 feature maps',
        members: ['conv2d_1', 'relu_1', 'maxpool2d_1'],
        collapsed: true,
      },
    ]);

    // Undo: the drag, the collapse, the rename, the grouping; redo brings them back.
    for (let i = 0; i < 2; i++) await page.keyboard.press('Control+z');
    await expect(node(page, 'conv2d_1')).toBeVisible();
    await expect(page.getByRole('group', { name: 'Block C1 feature maps' })).toBeVisible();
    for (let i = 0; i < 2; i++) await page.keyboard.press('Control+z');
    await expect(block(page, 'group_1')).toHaveCount(0);
    await expect(page.locator('.react-flow__edge')).toHaveCount(12);
    for (let i = 0; i < 3; i++) await page.keyboard.press('Control+Shift+z');
    await expect(card.getByTestId('block-params')).toHaveText('156 params');

    // Opening the saved file brings the collapsed block back.
    await openApp(page);
    await page.locator('input[data-role="open-project"]').setInputFiles(saved);
    await expect(card.getByTestId('block-out')).toHaveText('out [N, 6, 14, 14]');
    // Expand and ungroup.
    await page.getByRole('button', { name: 'Expand C1 feature maps' }).click();
    await expect(node(page, 'relu_1')).toBeVisible();
    // A layer dragged inside its frame moves exactly as one outside a frame (both lose the same
    // first step to React Flow's drag threshold), and the frame grows to keep it.
    const dragBy = async (id: string, dx: number) => {
      const box = (await node(page, id).boundingBox())!;
      await page.mouse.move(box.x + 40, box.y + 8);
      await page.mouse.down();
      await page.mouse.move(box.x + 40 + dx, box.y + 8, { steps: 6 });
      await page.mouse.up();
      const after = (await node(page, id).boundingBox())!;
      return { dx: after.x - box.x, dy: after.y - box.y };
    };
    const frame = (await block(page, 'group_1').boundingBox())!;
    const outside = await dragBy('conv2d_2', 150);
    const inside = await dragBy('relu_1', 150);
    expect(outside.dx).toBeGreaterThan(100);
    expect(Math.abs(inside.dx - outside.dx)).toBeLessThan(2);
    expect(Math.abs(inside.dy)).toBeLessThan(2);
    // Leftwards the frame itself moves (its members are placed relative to it): still exact.
    const outsideLeft = await dragBy('conv2d_2', -300);
    const insideLeft = await dragBy('relu_1', -300);
    expect(outsideLeft.dx).toBeLessThan(-200);
    expect(Math.abs(insideLeft.dx - outsideLeft.dx)).toBeLessThan(2);
    expect(Math.abs(insideLeft.dy)).toBeLessThan(2);
    await expect
      .poll(async () => (await block(page, 'group_1').boundingBox())!.width)
      .toBeGreaterThan(frame.width + 100);
    await block(page, 'group_1').locator('.block-frame__side').click();
    await menu(page, 'Edit', 'Ungroup');
    await expect(block(page, 'group_1')).toHaveCount(0);
    expect(errors).toEqual([]);
  });
});

test.describe('When a user exports pictures of the canvas', () => {
  test('the PNG is a real picture of the whole graph and the SVG names every layer', async ({ page }) => {
    const errors = watchErrors(page);
    await openApp(page);
    await openTemplate(page, 'Lesson: LeNet-5 on MNIST');
    await page.waitForTimeout(300);
    const pngPath = await download(page, () => menu(page, 'File', 'Export PNG'), 'lenet.png');
    copyFileSync(pngPath, `${SHOTS}/lenet5-export.png`);
    const png = readFileSync(pngPath);
    const { width, height } = pngSize(png);
    // LeNet-5 is one column of 13 layers 150 px apart: narrow and tall, at most 4096 px a side.
    expect(width).toBeGreaterThan(220);
    expect(width).toBeLessThan(1200);
    expect(height).toBeGreaterThan(1800);
    expect(height).toBeLessThanOrEqual(4096);
    expect(png.length).toBeGreaterThan(20_000);

    const svg = readFileSync(
      await download(page, () => menu(page, 'File', 'Export SVG'), 'lenet.svg'),
      'utf8',
    );
    expect(svg.startsWith('<svg')).toBe(true);
    for (const name of ['input', 'conv2d_1', 'maxpool2d_2', 'flatten_1', 'linear_3'])
      expect(svg).toContain(`>${name}<`);
    expect(errors).toEqual([]);
  });
});

test.describe('When a user exports and imports ONNX', () => {
  test('LeNet-5 downloads as an ONNX file that onnxruntime runs to a [1, 10] output', async ({ page }) => {
    await openApp(page);
    await openTemplate(page, 'Lesson: LeNet-5 on MNIST');
    await menu(page, 'File', 'Export ONNX…');
    const dialog = page.getByRole('dialog', { name: 'Export ONNX' });
    const path = await download(
      page,
      () => dialog.getByRole('button', { name: 'Export' }).click(),
      'lenet.onnx',
    );
    await expect(dialog).toBeHidden();
    const session = await ort.InferenceSession.create(readFileSync(path));
    const x = new ort.Tensor('float32', new Float32Array(28 * 28).fill(0.5), [1, 1, 28, 28]);
    const out = await session.run({ [session.inputNames[0]]: x });
    expect(out[session.outputNames[0]].dims).toEqual([1, 10]);

    // A broken graph is refused with the reasons in the dialog.
    await node(page, 'flatten_1').locator('.layer-node__header').click();
    await page.keyboard.press('Delete');
    await menu(page, 'File', 'Export ONNX…');
    await dialog.getByRole('button', { name: 'Export' }).click();
    await expect(dialog.getByRole('alert', { name: 'Export problems' })).toContainText('nothing connected');
    await shot(page, 'onnx-export-problems');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('ResNet-50 from the ONNX model zoo opens laid out, with no layer on top of another', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    const errors = watchErrors(page);
    await openApp(page);
    await page.locator('input[data-role="import-onnx"]').setInputFiles(RESNET50);
    await expect(page.getByRole('status', { name: 'Status' })).toContainText('178 layers', {
      timeout: 60_000,
    });
    // The repeated stages open collapsed: 10 layers outside them and the 4 stage blocks.
    const stages = ['res2 (3 blocks)', 'res3 (4 blocks)', 'res4 (6 blocks)', 'res5 (3 blocks)'];
    for (const title of stages)
      await expect(page.getByRole('group', { name: `Block ${title}` })).toBeVisible();
    await expect(page.locator('.react-flow__node')).toHaveCount(14);
    // What the import did is listed until dismissed: the constants it folded. The weights are
    // kept (on the host), so nothing says they were left out.
    const notes = page.getByRole('region', { name: 'Import notes' });
    await expect(notes).toContainText('folded');
    await expect(notes).not.toContainText('imported without them');
    await notes.getByRole('button', { name: 'Dismiss import notes' }).click();
    await expect(page.locator('.toast')).toBeHidden();
    await shot(page, 'resnet50-imported');
    await expectNoOverlap(page, '.react-flow__node');
    // Readable: the first layer is on screen, its key figure at least 9 px tall.
    const first = page
      .locator('.react-flow__node')
      .filter({ has: page.getByRole('group', { name: /^conv1 \(/ }) });
    await expect(first).toBeInViewport();
    expect((await first.getByTestId('key-figure').boundingBox())!.height).toBeGreaterThanOrEqual(9);

    // Expanded, every one of the 178 layers is drawn, none on top of another.
    await menu(page, 'View', 'Expand all blocks');
    await expect(page.locator('.react-flow__node-layer')).toHaveCount(178);
    for (const title of stages)
      await expect(page.getByRole('button', { name: `Collapse ${title}` })).toBeAttached();
    await expectNoOverlap(page, '.react-flow__node-layer');
    await shot(page, 'resnet50-expanded');
    expect(errors).toEqual([]);
  });
});
