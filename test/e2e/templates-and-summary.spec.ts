// Templates, the summary table, overlays, themes, and the other editing conveniences.
import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import {
  inspector,
  menu,
  node,
  openApp,
  openTemplate,
  palette,
  selectNode,
  shot,
  summary,
} from './helpers.ts';

test.describe('When a user opens the LeNet-5 template', () => {
  test('the summary shows 61,706 parameters and every layer', async ({ page }) => {
    await openApp(page);
    await openTemplate(page, 'Lesson: LeNet-5 on MNIST');
    await expect(page.getByTestId('status-params')).toHaveText('61,706 params');
    await page.waitForTimeout(400); // let zoom-to-fit settle before the picture
    await shot(page, 'lenet5-overlays');

    await page.getByRole('button', { name: 'Summary' }).click();
    await expect(summary(page).getByTestId('total-params')).toHaveText('61,706');
    // conv 6 (156) + conv 16 (2,416) + 120 (48,120) + 84 (10,164) + 10 (850)
    for (const n of ['156', '2,416', '48,120', '10,164', '850'])
      await expect(summary(page).getByRole('cell', { name: n, exact: true })).toBeVisible();
    await shot(page, 'summary-panel');

    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      summary(page).getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(csv.suggestedFilename()).toMatch(/summary\.csv$/);

    // Overlays switch off and on.
    await page.getByRole('button', { name: 'MACs' }).click();
    await expect(page.getByTestId('macs')).toHaveCount(0);
    await page.getByRole('button', { name: 'MACs' }).click();
    await expect(page.getByTestId('macs').first()).toBeVisible();

    await menu(page, 'View', 'Dark theme');
    await expect(page.locator('.app')).toHaveAttribute('data-theme', 'dark');
    await shot(page, 'lenet5-dark');
    await menu(page, 'View', 'Dark theme');
    await expect(page.locator('.app')).toHaveAttribute('data-theme', 'light');
  });

  test('ResNet-18 reports torchvision’s numbers', async ({ page }) => {
    await openApp(page);
    await openTemplate(page, 'ResNet-18');
    await expect(page.getByTestId('status-params')).toHaveText('11,689,512 params');
    await page.waitForTimeout(400);
    await shot(page, 'resnet18');
    await menu(page, 'Edit', 'Auto layout');
    await page.waitForTimeout(600);
    await shot(page, 'resnet18-auto-layout');
  });
});

test.describe('When a user edits with the keyboard and palette', () => {
  test('double-click appends and wires, copy/paste/duplicate and auto-layout are undoable', async ({
    page,
  }) => {
    await openApp(page);
    await palette(page).getByRole('button', { name: 'Input', exact: true }).dblclick();
    await palette(page).getByRole('button', { name: 'Flatten', exact: true }).dblclick();
    await palette(page).getByRole('button', { name: 'Linear', exact: true }).dblclick();
    await expect(page.locator('.react-flow__edge')).toHaveCount(2);
    await expect(node(page, 'linear_1')).toContainText('7,850 params'); // 784*10 + 10

    await selectNode(page, 'linear_1');
    await page.keyboard.press('Control+d');
    await expect(page.locator('.react-flow__node')).toHaveCount(4);
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await expect(page.locator('.react-flow__node')).toHaveCount(5);
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await expect(page.locator('.react-flow__node')).toHaveCount(3);

    // Rename: names are unique.
    await selectNode(page, 'linear_1');
    await inspector(page).getByLabel('name').fill('flatten_1');
    await inspector(page).getByLabel('name').press('Enter');
    await expect(inspector(page)).toContainText('already called');
    await inspector(page).getByLabel('name').fill('classifier');
    await inspector(page).getByLabel('name').press('Enter');
    await expect(node(page, 'linear_1')).toContainText('classifier');

    const before = await node(page, 'input_1').boundingBox();
    await menu(page, 'Edit', 'Auto layout');
    await expect
      .poll(async () => JSON.stringify(await node(page, 'input_1').boundingBox()))
      .not.toBe(JSON.stringify(before));
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(node(page, 'linear_1')).toContainText('classifier');
  });

  test('a damaged file is refused with the field that is wrong', async ({ page }) => {
    await openApp(page);
    const file = test.info().outputPath('broken.netwright.json');
    writeFileSync(
      file,
      JSON.stringify({
        format: 'netwright',
        version: 2,
        name: 'x',
        graph: { nodes: [{ id: 'a', type: 'Conv9d', name: 'a' }], edges: [] },
      }),
    );
    await page.locator('input[data-role="open-project"]').setInputFiles(file);
    await expect(page.getByRole('alert')).toContainText('graph.nodes[0].type');
    await expect(page.locator('.react-flow__node')).toHaveCount(0);
  });
});

test.describe('When the page is reloaded after edits', () => {
  test('the autosave is offered back', async ({ page }) => {
    await openApp(page);
    await palette(page).getByRole('button', { name: 'Input', exact: true }).dblclick();
    await palette(page).getByRole('button', { name: 'ReLU', exact: true }).dblclick();
    await expect(page.getByRole('status', { name: 'Status' })).toContainText('Autosaved');
    await openApp(page, { keepRecovery: true });
    const recovery = page.getByRole('region', { name: 'Recovery' });
    await expect(recovery).toBeVisible();
    await recovery.getByRole('button', { name: 'Recover' }).click();
    await expect(page.locator('.react-flow__node')).toHaveCount(2);
    await expect(page.locator('.react-flow__edge')).toHaveCount(1);
  });
});
