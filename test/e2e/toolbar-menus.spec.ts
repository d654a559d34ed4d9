// The toolbar fits on one row at 1440×900 and on a 1280×720 projector, also in presentation mode;
// its File/Edit/View menus work with the mouse and the keyboard alone. Screenshots with the
// menus open go to .scratch/l/ for review.
import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { menu, menuChecked, menuItem, openApp, openTemplate, watchErrors } from './helpers.ts';

const SHOTS = '.scratch/l';
mkdirSync(SHOTS, { recursive: true });

const toolbar = (page: Page) => page.getByRole('toolbar', { name: 'Main toolbar' });
const trigger = (page: Page, name: string) => toolbar(page).getByRole('button', { name, exact: true });

/** Every control of the toolbar on one line, none cut off at the window's right edge. */
async function expectOneRow(page: Page, what: string): Promise<void> {
  const layout = await toolbar(page).evaluate((bar) => {
    const controls = [...bar.querySelectorAll<HTMLElement>('button, input:not([type="file"])')].filter(
      (el) => !el.closest('[role="menu"]') && el.offsetParent !== null,
    );
    const boxes = controls.map((el) => {
      const r = el.getBoundingClientRect();
      return {
        name: el.getAttribute('aria-label') ?? el.textContent,
        top: r.top,
        bottom: r.bottom,
        right: r.right,
      };
    });
    return { boxes, width: document.documentElement.clientWidth, height: bar.getBoundingClientRect().height };
  });
  expect(layout.boxes.length, what).toBeGreaterThan(10);
  const rowTop = Math.min(...layout.boxes.map((b) => b.top));
  const rowBottom = Math.max(...layout.boxes.map((b) => b.top));
  // A second row would start at least a control's height below the first.
  expect(rowBottom - rowTop, `${what}: controls on more than one row`).toBeLessThan(8);
  for (const b of layout.boxes)
    expect(b.right, `${what}: "${b.name}" cut off`).toBeLessThanOrEqual(layout.width);
  const buttonHeight = Math.max(...layout.boxes.map((b) => b.bottom - b.top));
  expect(layout.height, `${what}: toolbar height`).toBeLessThan(buttonHeight * 1.6);
}

/** The project name can still be read and typed into. */
async function expectNameUsable(page: Page, what: string): Promise<void> {
  const name = toolbar(page).getByRole('textbox', { name: 'Project name' });
  const box = (await name.boundingBox())!;
  expect(box.width, `${what}: name field width`).toBeGreaterThanOrEqual(110);
  await name.fill('Week 3 network');
  await expect(name).toHaveValue('Week 3 network');
}

async function shotMenus(page: Page, prefix: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${prefix}-closed.png` });
  for (const m of ['File', 'Edit', 'View']) {
    await trigger(page, m).click();
    await expect(page.getByRole('menu', { name: m })).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/${prefix}-${m.toLowerCase()}.png` });
    await page.keyboard.press('Escape');
  }
}

for (const size of [
  { width: 1440, height: 900 },
  { width: 1280, height: 720 },
]) {
  test(`one row at ${size.width}×${size.height}, normal and presentation, with a lesson open`, async ({
    page,
  }) => {
    const errors = watchErrors(page);
    await page.setViewportSize(size);
    await openApp(page);
    // A lesson adds the Lesson button: the fullest toolbar there is.
    await openTemplate(page, 'Lesson: LeNet-5 on MNIST');
    await expect(toolbar(page).getByRole('button', { name: 'Lesson', exact: true })).toBeVisible();
    await expectOneRow(page, `normal ${size.width}`);
    await expectNameUsable(page, `normal ${size.width}`);
    await shotMenus(page, `${size.width}-normal`);

    await menu(page, 'View', 'Presentation');
    await expect(page.locator('html')).toHaveAttribute('data-presentation', 'on');
    await expectOneRow(page, `presentation ${size.width}`);
    await expectNameUsable(page, `presentation ${size.width}`);
    await shotMenus(page, `${size.width}-presentation`);
    // The open menu fits in the window (the last item is on screen, not under the edge).
    await trigger(page, 'View').click();
    await expect(menuItem(page, 'View', 'Presentation')).toBeInViewport({ ratio: 1 });
    await page.keyboard.press('Escape');
    expect(errors).toEqual([]);
  });
}

test('menus work from the keyboard alone', async ({ page }) => {
  await openApp(page);
  const file = trigger(page, 'File');
  await file.focus();
  await page.keyboard.press('Enter');
  const fileMenu = page.getByRole('menu', { name: 'File' });
  await expect(fileMenu).toBeVisible();
  await expect(file).toHaveAttribute('aria-expanded', 'true');
  await expect(menuItem(page, 'File', 'New')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(menuItem(page, 'File', 'Templates…')).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp'); // wraps to the last item
  await expect(menuItem(page, 'File', 'Export SVG')).toBeFocused();
  await page.keyboard.press('Home');
  await expect(menuItem(page, 'File', 'New')).toBeFocused();
  await page.keyboard.press('s'); // type-ahead
  await expect(menuItem(page, 'File', 'Save')).toBeFocused();
  // The shortcut is shown and announced.
  await expect(menuItem(page, 'File', 'Save')).toContainText('Ctrl+S');
  await expect(menuItem(page, 'File', 'Save')).toHaveAttribute('aria-keyshortcuts', 'Control+S');

  // Escape closes and gives focus back to the menu's button.
  await page.keyboard.press('Escape');
  await expect(fileMenu).toBeHidden();
  await expect(file).toBeFocused();
  await expect(file).toHaveAttribute('aria-expanded', 'false');

  // Space opens too; ArrowRight steps to the next menu.
  await page.keyboard.press(' ');
  await expect(fileMenu).toBeVisible();
  await page.keyboard.press('ArrowRight');
  await expect(fileMenu).toBeHidden();
  await expect(page.getByRole('menu', { name: 'Edit' })).toBeVisible();
  await expect(menuItem(page, 'Edit', 'Undo')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(trigger(page, 'Edit')).toBeFocused();

  // ArrowDown opens View; Enter on a checkable item switches it and closes the menu.
  await page.keyboard.press('ArrowRight');
  await expect(trigger(page, 'View')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  const macs = menuItem(page, 'View', 'MACs');
  await expect(macs).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(macs).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('menu', { name: 'View' })).toBeHidden();
  await expect(toolbar(page).getByRole('button', { name: 'MACs' })).toHaveAttribute('aria-pressed', 'false');
  expect(await menuChecked(page, 'View', 'MACs')).toBe(false);
});

test('a click outside closes a menu; disabled items do nothing', async ({ page }) => {
  await openApp(page);
  await trigger(page, 'Edit').click();
  const editMenu = page.getByRole('menu', { name: 'Edit' });
  await expect(editMenu).toBeVisible();
  // Nothing selected: Delete is shown but disabled, and clicking it leaves the menu open.
  const del = menuItem(page, 'Edit', 'Delete');
  await expect(del).toHaveAttribute('aria-disabled', 'true');
  await del.click({ force: true });
  await expect(editMenu).toBeVisible();
  // Pointing at another menu's button while one is open switches to it.
  await trigger(page, 'View').hover();
  await expect(page.getByRole('menu', { name: 'View' })).toBeVisible();
  await expect(editMenu).toBeHidden();
  await page.locator('.react-flow__pane').click({ position: { x: 300, y: 300 } });
  await expect(page.getByRole('menu', { name: 'View' })).toBeHidden();
  await expect(trigger(page, 'View')).toHaveAttribute('aria-expanded', 'false');
});
