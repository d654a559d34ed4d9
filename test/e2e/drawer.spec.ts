// The Training drawer's splitter: a teacher drags it up to show the charts big, the height is
// remembered across a reload, double-click toggles the largest size, and the keyboard works too.
import { expect, test } from '@playwright/test';
import { expectClearOnCanvas, openApp, openTraining, training, watchErrors } from './helpers.ts';

test('the Training drawer is resized by dragging, the keyboard and double-click, and remembered', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1280, height: 720 });
  await openApp(page);
  await openTraining(page);
  const drawer = training(page);
  const splitter = page.getByRole('separator', { name: 'Resize the Training drawer' });
  const height = async () => (await drawer.boundingBox())!.height;
  const before = await height();

  const box = (await splitter.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2 - 100, { steps: 5 });
  await page.mouse.up();
  expect(Math.abs((await height()) - (before + 100))).toBeLessThan(3);

  // The tab remembers that the drawer was open, and how tall.
  await page.reload();
  await expect(drawer).toBeVisible();
  expect(Math.abs((await height()) - (before + 100))).toBeLessThan(3);

  // Double-click: the largest drawer (the window less 240 px for toolbar, canvas strip and status
  // bar), with the canvas still visible above it; again: the default.
  await splitter.dblclick();
  expect(Math.abs((await height()) - (720 - 240))).toBeLessThan(3);
  await expect(splitter).toHaveAttribute('aria-valuenow', String(720 - 240));
  expect((await page.locator('.react-flow').boundingBox())!.height).toBeGreaterThan(60);
  await splitter.dblclick();
  expect(Math.abs((await height()) - before)).toBeLessThan(3);

  // Keyboard: ↑ grows by 25 px, Home is the default again.
  await splitter.focus();
  await page.keyboard.press('ArrowUp');
  expect(Math.abs((await height()) - (before + 25))).toBeLessThan(3);
  await page.keyboard.press('Home');
  expect(Math.abs((await height()) - before)).toBeLessThan(3);
  expect(errors).toEqual([]);
});

test('a notice shows on the canvas, clear of its buttons, the minimap and the open drawer', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1400, height: 900 });
  await openApp(page);
  for (const drawerOpen of [false, true]) {
    if (drawerOpen) await openTraining(page);
    // Ungroup with nothing selected: the notice says what to do.
    await page.locator('.react-flow__pane').click({ position: { x: 300, y: 120 } });
    await page.keyboard.press('Control+Shift+G');
    const notice = page.getByRole('status').filter({ hasText: 'Select a block to ungroup.' });
    await expect(notice).toBeVisible();
    await expectClearOnCanvas(
      page,
      (await notice.boundingBox())!,
      `the notice (drawer ${drawerOpen ? 'open' : 'closed'})`,
    );
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await expect(notice).toBeHidden();
  }
  expect(errors).toEqual([]);
});
