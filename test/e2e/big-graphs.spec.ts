// Issue 16 item 10 and "read a big graph at a glance", "find things", the C3 grid: a model from the
// zoo opens as its stages with readable names, fits the part of the canvas the drawer leaves, and
// stays legible there; Find, the Problems panel and the Help menu take the user to what they need.
import { expect, test } from '@playwright/test';
import type { Locator, Page } from '@playwright/test';
import { join } from 'node:path';
import {
  expectNoOverlap,
  inspector,
  menu,
  menuChecked,
  node,
  openApp,
  openLesson,
  openTemplate,
  runEnded,
  selectNode,
  shot,
  startRun,
  training,
  useLessonSettings,
  watchErrors,
} from './helpers.ts';

test.describe.configure({ timeout: 120_000 });

const LIGHT = join(process.cwd(), '..', 'shared', 'fixtures', 'onnx', 'light');

async function importModel(page: Page, name: string, layers: number): Promise<void> {
  await page.locator('input[data-role="import-onnx"]').setInputFiles(join(LIGHT, `light_${name}.onnx`));
  await expect(page.getByRole('status', { name: 'Status' })).toContainText(`${layers} layers`, {
    timeout: 60_000,
  });
  await page.getByRole('button', { name: 'Dismiss import notes' }).click();
}

/** Every drawn box lies inside the canvas and its key figure is at least `px` tall on screen. */
async function legibleWhole(page: Page, px: number): Promise<void> {
  const canvas = (await page.getByRole('region', { name: 'Canvas' }).boundingBox())!;
  const boxes = await page.locator('.react-flow__node').evaluateAll((els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      // The larger of the name and the figure: far out, a layer keeps its figure and a block its title.
      const texts = [...el.querySelectorAll('.layer-node__figure, .layer-node__compact-name')];
      const text = Math.max(0, ...texts.map((t) => t.getBoundingClientRect().height));
      return { id: el.getAttribute('data-id'), x: r.x, y: r.y, right: r.right, bottom: r.bottom, text };
    }),
  );
  expect(boxes.length).toBeGreaterThan(5);
  for (const b of boxes) {
    expect(b.x, `${b.id} left of the canvas`).toBeGreaterThanOrEqual(canvas.x - 1);
    expect(b.right, `${b.id} right of the canvas`).toBeLessThanOrEqual(canvas.x + canvas.width + 1);
    expect(b.y, `${b.id} above the canvas`).toBeGreaterThanOrEqual(canvas.y - 1);
    expect(b.bottom, `${b.id} below the canvas`).toBeLessThanOrEqual(canvas.y + canvas.height + 1);
    expect(b.text, `${b.id}'s figure is ${b.text} px tall`).toBeGreaterThanOrEqual(px);
  }
}

const fitView = (page: Page) => page.getByRole('button', { name: 'Fit View' }).click();

/** Lays the graph out in a direction and waits for the new layout (and its own zoom) to land. */
async function layOut(page: Page, direction: 'Top to bottom' | 'Left to right'): Promise<void> {
  await menu(page, 'View', direction);
  await expect.poll(() => menuChecked(page, 'View', direction)).toBe(true);
  await page.waitForTimeout(300);
}
const canvasNode = (page: Page, name: string): Locator =>
  page
    .locator('.react-flow__node')
    .filter({ has: page.getByRole('group', { name: new RegExp(`^${name} \\(`) }) });

test('item 10: ResNet-50 opens as named stages, fits beside the open drawer, and stays legible', async ({
  page,
}) => {
  await openApp(page);
  await importModel(page, 'resnet50', 178);
  // Before the fix: 178 layers named n0…n177, no blocks.
  for (const title of ['res2 (3 blocks)', 'res3 (4 blocks)', 'res4 (6 blocks)', 'res5 (3 blocks)'])
    await expect(page.getByRole('group', { name: `Block ${title}` })).toBeVisible();
  await expect(canvasNode(page, 'conv1')).toBeVisible();

  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(training(page)).toBeVisible();
  for (const direction of ['Top to bottom', 'Left to right'] as const) {
    await layOut(page, direction);
    await fitView(page);
    await page.waitForTimeout(500);
    // Before the fix: a thin sliver, its text a few pixels tall.
    await legibleWhole(page, 9);
    await shot(page, `resnet50-fit-${direction === 'Left to right' ? 'lr' : 'tb'}-drawer`);
  }
  // Expanding a stage makes room in place: no layer lands on another.
  await page.getByRole('button', { name: 'Expand res3 (4 blocks)' }).click();
  await expect(page.getByRole('group', { name: 'Block res3 (4 blocks)' })).toBeVisible();
  await expect(canvasNode(page, 'res3_0_branch2a')).toBeAttached();
  await expectNoOverlap(page, '.react-flow__node-layer', 1);
});

test('VGG-19, a plain chain, opens as its five stages and classifier, fits beside the open drawer, and stays legible', async ({
  page,
}) => {
  await openApp(page);
  await importModel(page, 'vgg19', 48);
  // Before: one column of 48 layers that fit-to-view beside the drawer could not show whole.
  for (const title of ['conv1 (5 layers)', 'conv2 (5 layers)', 'conv3 (9 layers)', 'Head (8 layers)'])
    await expect(page.getByRole('group', { name: `Block ${title}` })).toBeVisible();
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(training(page)).toBeVisible();
  await fitView(page);
  await page.waitForTimeout(500);
  await legibleWhole(page, 9);
  await expect(page.getByRole('group', { name: 'Block conv5 (9 layers)' })).toBeInViewport();
  await shot(page, 'vgg19-fit-drawer');
  // Expanding a stage makes room in place.
  await page.getByRole('button', { name: 'Expand conv3 (9 layers)' }).click();
  await expect(canvasNode(page, 'conv3_4')).toBeAttached();
  await expectNoOverlap(page, '.react-flow__node-layer', 1);
});

test('Edit → Group repeated blocks groups a long chain into its stages and head (the VGG-16 template)', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await openApp(page);
  await openTemplate(page, 'VGG-16');
  await expect(page.getByRole('group', { name: /^Block / })).toHaveCount(0);
  await menu(page, 'Edit', 'Group repeated blocks');
  await expect(
    page.getByRole('status').filter({ hasText: 'Grouped the chain into 6 stages.' }),
  ).toBeVisible();
  for (const title of ['Stage 1 at 224×224 (5 layers)', 'Stage 5 at 14×14 (7 layers)', 'Head (8 layers)'])
    await expect(page.getByRole('group', { name: `Block ${title}` })).toBeVisible();
  // Undo takes the groups away again.
  await page.keyboard.press('Control+z');
  await expect(page.getByRole('group', { name: /^Block / })).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('item 10: the vanishing-gradients badges are legible at fit-to-view with the drawer open', async ({
  page,
}) => {
  await openApp(page);
  await openLesson(page, 'Vanishing gradients');
  await useLessonSettings(page);
  await training(page).getByLabel('Training images').fill('500');
  await training(page).getByLabel('Epochs').fill('1');
  await startRun(page);
  await runEnded(page);
  await layOut(page, 'Left to right');
  await fitView(page);
  await page.waitForTimeout(500);
  // Every one of the 19 layers in view; each trained layer's tile wears its gradient's colour.
  await legibleWhole(page, 9);
  const tiles = page.locator('.layer-node[data-grad]');
  await expect(tiles).toHaveCount(9);
  const first = Number(await tiles.first().getAttribute('data-grad'));
  const last = Number(await tiles.last().getAttribute('data-grad'));
  expect(first).toBeLessThan(last / 10); // the first layer's gradient has vanished
  await shot(page, 'vanishing-gradients-fit-drawer');
});

test('Find, Problems and Help take the user to what they need', async ({ page }) => {
  await openApp(page);
  await importModel(page, 'inception_v1', 145);
  // An opaque node says which ONNX operator it is (before: "OnnxOp").
  await page.keyboard.press('Control+f');
  const find = page.getByRole('search', { name: 'Find layers' });
  await find.getByLabel('Find layer').fill('lrn');
  await expect(find.getByTestId('find-count')).toHaveText('0 of 2');
  await page.keyboard.press('Enter');
  await expect(inspector(page).getByRole('heading', { level: 2 })).toHaveText('conv1/7x7_s2_lrn');
  await expect(inspector(page)).toContainText('ONNX LRN');
  // A layer inside a collapsed stage: its block opens in place and the layer comes into view.
  await find.getByLabel('Find layer').fill('inception_4c/5x5_reduce');
  await page.keyboard.press('Enter');
  const found = page.locator('.react-flow__node.is-found');
  await expect(found).toBeInViewport();
  await expect(inspector(page).getByRole('heading', { level: 2 })).toHaveText('inception_4c/5x5_reduce');
  await page.keyboard.press('Escape');
  await expect(find).toBeHidden();

  await menu(page, 'Help', 'Keyboard shortcuts');
  const keys = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(keys.getByRole('row', { name: /Find layer/ })).toContainText('Ctrl+F');
  await expect(keys.getByRole('row', { name: /Undo/ })).toContainText('Ctrl+Z');
  await keys.getByRole('button', { name: 'Close' }).click();

  // Problems: a broken layer deep in the network, found from the status bar.
  await page.keyboard.press('Control+f');
  await find.getByLabel('Find layer').fill('inception_5b/pool_proj');
  await page.keyboard.press('Enter');
  await inspector(page).getByLabel('kernel_size', { exact: true }).fill('9');
  await fitView(page);
  const status = page.getByRole('status', { name: 'Status' });
  await status.getByRole('button', { name: /problem/ }).click();
  const problems = page.getByRole('region', { name: 'Problems' });
  await expect(
    problems.getByRole('button').filter({ hasText: 'inception_5b/pool_proj' }).first(),
  ).toBeVisible();
  await problems.getByRole('button').filter({ hasText: 'inception_5b/pool_proj' }).first().click();
  await expect(page.locator('.react-flow__node.is-found')).toBeInViewport();
  await shot(page, 'problems-panel');
});

test('the C3 connection table is a grid to click, and the parameter count follows', async ({ page }) => {
  await openApp(page);
  await openLesson(page, 'LeNet-5’s C3 connection table');
  await selectNode(page, 'conv2d_2');
  const grid = inspector(page).getByRole('table', { name: /connection_table/ });
  await expect(grid.getByRole('button', { pressed: true })).toHaveCount(60);
  await expect(node(page, 'conv2d_2').getByTestId('params')).toHaveText('1,516 params');
  // Output 0 stops seeing input 0: 25 weights fewer (a 5×5 kernel).
  await grid.getByRole('button', { name: 'output 0 sees input 0' }).click();
  await expect(node(page, 'conv2d_2').getByTestId('params')).toHaveText('1,491 params');
  await expect(inspector(page).getByTestId('table-connections')).toHaveText('59 of 96 connections');
  await inspector(page).getByRole('button', { name: 'All connected' }).click();
  await expect(node(page, 'conv2d_2').getByTestId('params')).toHaveText('2,416 params');
  await inspector(page).getByRole('button', { name: 'LeNet-5’s C3 table' }).click();
  await expect(node(page, 'conv2d_2').getByTestId('params')).toHaveText('1,516 params');
  await shot(page, 'c3-grid');
});
