// What a user does, as small steps the specs read like sentences.
import type { Locator, Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const SHOTS = 'test-results/screenshots';

/** An ONNX file of the shared fixtures' light/ models (ResNet-50 and friends, weights made by ConstantOfShape). */
export const lightOnnx = (name: string): string =>
  join(import.meta.dirname, '..', '..', '..', 'shared', 'fixtures', 'onnx', 'light', name);
mkdirSync(SHOTS, { recursive: true });

/** Console errors and uncaught exceptions (a CSP violation shows up here too). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  return errors;
}

export async function openApp(page: Page, options: { keepRecovery?: boolean } = {}): Promise<void> {
  await page.goto('/?token=test');
  await expect(page.locator('.app')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByRole('status', { name: 'Status' })).toContainText('host connected');
  const recovery = page.getByRole('region', { name: 'Recovery' });
  if (!options.keepRecovery && (await recovery.isVisible()))
    await recovery.getByRole('button', { name: 'Discard' }).click();
}

export const palette = (page: Page) => page.getByRole('region', { name: 'Palette' });
export const inspector = (page: Page) => page.getByRole('region', { name: 'Inspector' });
export const summary = (page: Page) => page.getByRole('region', { name: 'Summary' });
export const node = (page: Page, id: string): Locator =>
  page.locator(`.react-flow__node[data-id="${id}"] .layer-node`);

/** Drags a palette item onto the canvas at (x, y) relative to the canvas pane. */
export async function dropLayer(page: Page, type: string, x: number, y: number): Promise<void> {
  const item = palette(page).getByRole('button', { name: type, exact: true });
  await item.dragTo(page.locator('.react-flow__pane'), { targetPosition: { x, y } });
}

/** Drags from a node's output dot to another node's input dot. */
export async function wire(page: Page, from: string, to: string, port = 0): Promise<void> {
  await node(page, from)
    .locator('.react-flow__handle.source')
    .dragTo(node(page, to).locator(`.react-flow__handle.target[data-handleid="in-${port}"]`));
}

/**
 * Clicks a node's header until the inspector shows it: on a loaded machine the opening fit can
 * still be moving the canvas when the first click lands, and that click then hits the pane.
 */
export async function selectNode(page: Page, id: string): Promise<void> {
  const heading = inspector(page).getByRole('heading', { level: 2 });
  await expect(async () => {
    await node(page, id).locator('.layer-node__header').click();
    await expect(heading).toHaveText(id, { timeout: 2000 });
  }).toPass({ timeout: 20_000 });
}

/** Runs `click`, waits for the download it starts, and saves it in the test's output folder. */
export async function download(
  page: Page,
  click: () => Promise<void>,
  name: string,
  timeout?: number,
): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout }), click()]);
  const path = test.info().outputPath(name);
  await file.saveAs(path);
  return path;
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

/**
 * No two of the boxes `selector` matches overlap on screen (in flow coordinates the same holds);
 * `slack` pixels of contact are allowed for sub-pixel rounding.
 */
export async function expectNoOverlap(page: Page, selector: string, slack = 0): Promise<void> {
  const boxes = await page.locator(selector).evaluateAll((els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return { id: el.getAttribute('data-id'), x: r.x, y: r.y, w: r.width, h: r.height };
    }),
  );
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      const overlap =
        a.x < b.x + b.w - slack &&
        b.x < a.x + a.w - slack &&
        a.y < b.y + b.h - slack &&
        b.y < a.y + a.h - slack;
      expect(overlap, `${a.id} overlaps ${b.id}`).toBe(false);
    }
}

export const training = (page: Page) => page.getByRole('region', { name: 'Training' });
export const lesson = (page: Page) => page.getByRole('region', { name: 'Lesson' });

/** An item of a toolbar menu (File, Edit, View), plain or checkable, found by its label. */
export function menuItem(page: Page, menuName: string, item: string): Locator {
  const list = page.getByRole('menu', { name: menuName });
  return list
    .getByRole('menuitem', { name: item, exact: true })
    .or(list.getByRole('menuitemcheckbox', { name: item, exact: true }));
}

/** Opens a toolbar menu and chooses an item, e.g. menu(page, 'File', 'Export ONNX…'). */
export async function menu(page: Page, menuName: string, item: string): Promise<void> {
  await page
    .getByRole('toolbar', { name: 'Main toolbar' })
    .getByRole('button', { name: menuName, exact: true })
    .click();
  await menuItem(page, menuName, item).click();
  await expect(page.getByRole('menu', { name: menuName })).toBeHidden();
}

/** Whether a checkable menu item is on, read from its menu (which is closed again after). */
export async function menuChecked(page: Page, menuName: string, item: string): Promise<boolean> {
  const trigger = page
    .getByRole('toolbar', { name: 'Main toolbar' })
    .getByRole('button', { name: menuName, exact: true });
  await trigger.click();
  const checked = (await menuItem(page, menuName, item).getAttribute('aria-checked')) === 'true';
  await page.keyboard.press('Escape');
  await expect(page.getByRole('menu', { name: menuName })).toBeHidden();
  return checked;
}

/** Opens a template (or a lesson, "Lesson: …") from the gallery by its card's name. */
export async function openTemplate(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Templates' }).click();
  await page.getByRole('dialog', { name: 'Templates' }).getByRole('button', { name, exact: true }).click();
  await expect(page.getByRole('dialog', { name: 'Templates' })).toBeHidden();
}

/** Opens a lesson from the gallery; its panel shows the lesson's title. */
export async function openLesson(page: Page, title: string): Promise<void> {
  await openTemplate(page, `Lesson: ${title}`);
  await expect(lesson(page).getByRole('heading', { name: title })).toBeVisible();
}

/** Opens the Training drawer from the toolbar. */
export async function openTraining(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(training(page)).toBeVisible();
}

/** The lesson's "Train with these settings": the Training drawer opens with them filled in. */
export async function useLessonSettings(page: Page): Promise<void> {
  await lesson(page).getByRole('button', { name: 'Train with these settings' }).click();
  await expect(training(page)).toBeVisible();
}

/** Starts a run with the panel's settings ("Train" or "Train again"). */
export async function startRun(page: Page): Promise<void> {
  await training(page)
    .getByRole('button', { name: /^Train/ })
    .click();
}

/** Waits until the run has ended (the panel offers to train again). */
export async function runEnded(page: Page, timeout = 90_000): Promise<void> {
  await expect(training(page).getByRole('button', { name: 'Train again' })).toBeVisible({ timeout });
}

/** Trains with the panel's settings and returns the test accuracy after the last epoch (%). */
export async function trainToEnd(page: Page, timeout?: number): Promise<number> {
  await startRun(page);
  await runEnded(page, timeout);
  const text = (await training(page).getByTestId('accuracy-after').textContent()) ?? '';
  return Number(text.replace('%', ''));
}

/** "Loss: train per step 2.301 → 0.412; ..." -> the [first, last] pair of one series of a chart. */
export async function chartEnds(page: Page, testId: string, series: string): Promise<[number, number]> {
  const label = (await training(page).getByTestId(testId).getAttribute('aria-label')) ?? '';
  const m = new RegExp(`${series} ([\\d.]+)%? → ([\\d.]+)`).exec(label);
  expect(m, `${series} in "${label}"`).not.toBeNull();
  return [Number(m![1]), Number(m![2])];
}

/** The inspector's Weights section (of the selected layer). */
export const weightsOf = (page: Page) => inspector(page).getByRole('region', { name: 'Weights' });

/** Selects the layer named `name` with Find (Ctrl+F), as a user finds one in a big model. */
export async function findLayer(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+f');
  const find = page.getByRole('search', { name: 'Find layers' });
  await find.getByLabel('Find layer').fill(name);
  // A hit reads "<name> <type>"; the exact name, not one it begins (conv1 of conv1_bn).
  const hit = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `);
  await find.getByRole('list', { name: 'Matches' }).getByRole('button', { name: hit }).click();
  await expect(inspector(page).getByRole('heading', { level: 2 })).toHaveText(name);
  await page.keyboard.press('Escape');
}

/** The first values of a layer's weight that the host holds, as the inspector shows them. */
export async function heldFirstValues(page: Page, layer: string): Promise<number[]> {
  await findLayer(page, layer);
  const weights = weightsOf(page);
  await expect(weights).toContainText('the Netwright host holds these weights');
  const first = weights.getByLabel('First values of weight').locator('span');
  await expect(first).toHaveCount(8);
  return (await first.evaluateAll((spans) => spans.map((s) => s.getAttribute('title')))).map(Number);
}

/** A box on screen, as Playwright's boundingBox() gives it. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Whether two boxes on screen share any pixel. */
export const overlaps = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * An overlay (`box`) lies inside the canvas and clear of its zoom buttons and minimap, and of the
 * Training drawer when it is open.
 */
export async function expectClearOnCanvas(page: Page, box: Box, what: string): Promise<void> {
  const canvas = (await page.locator('.canvas').boundingBox())!;
  expect(box.x >= canvas.x && box.y >= canvas.y, `${what} inside the canvas`).toBe(true);
  expect(
    box.x + box.width <= canvas.x + canvas.width && box.y + box.height <= canvas.y + canvas.height,
    `${what} inside the canvas`,
  ).toBe(true);
  for (const other of ['.react-flow__controls', '.react-flow__minimap'])
    expect(overlaps(box, (await page.locator(other).boundingBox())!), `${what} clear of ${other}`).toBe(
      false,
    );
  if (await training(page).isVisible())
    expect(overlaps(box, (await training(page).boundingBox())!), `${what} clear of the drawer`).toBe(false);
}
