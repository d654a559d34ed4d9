// A new user builds a small CNN by hand: drag, wire, set attributes, break it, fix it, undo, save,
// reload and open it again.
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { dropLayer, inspector, menu, node, openApp, selectNode, shot, watchErrors, wire } from './helpers.ts';
import { decodeProjectArchive } from '../../engine/index.ts';

const CHAIN = ['Input', 'Conv2d', 'ReLU', 'MaxPool2d', 'Flatten', 'Linear'];
const IDS = ['input_1', 'conv2d_1', 'relu_1', 'maxpool2d_1', 'flatten_1', 'linear_1'];

test.describe('When a user builds a CNN from the palette', () => {
  test('shapes, params and receptive fields follow every edit, and the file round-trips', async ({
    page,
  }) => {
    const errors = watchErrors(page);
    await openApp(page);
    await shot(page, 'empty-canvas');

    for (const [i, type] of CHAIN.entries()) await dropLayer(page, type, 320, 60 + i * 125);
    await expect(page.locator('.react-flow__node')).toHaveCount(6);
    for (let i = 0; i + 1 < IDS.length; i++) await wire(page, IDS[i], IDS[i + 1]);
    await expect(page.locator('.react-flow__edge')).toHaveCount(5);

    // Defaults: Input 1x28x28, Conv2d 16 channels k3 -> [N, 16, 26, 26], 16*1*9 + 16 = 160 params.
    await expect(node(page, 'input_1')).toContainText('[N, 1, 28, 28]');
    await expect(node(page, 'conv2d_1')).toContainText('[N, 16, 26, 26]');
    await expect(node(page, 'conv2d_1')).toContainText('160 params');

    // Conv2d 1->6, kernel 5: 6 * (1*5*5) + 6 = 156 params; output 24x24; RF 5x5, stride 1, start 0.
    await selectNode(page, 'conv2d_1');
    await inspector(page).getByLabel('out_channels').fill('6');
    await inspector(page).getByLabel('kernel_size').fill('5');
    const conv = node(page, 'conv2d_1');
    await expect(conv).toContainText('[N, 6, 24, 24]');
    await expect(conv).toContainText('156 params');
    await expect(conv.getByTestId('macs')).toHaveText('86.4 K MACs'); // 6*25*24*24 = 86,400
    await expect(conv.getByTestId('rf')).toHaveText('RF 5×5 /1 @0');
    // MaxPool2d k2 s2 after it: 5 + (2-1)*1 = 6, stride 1*2 = 2.
    await expect(node(page, 'maxpool2d_1').getByTestId('rf')).toHaveText('RF 6×6 /2 @0');
    // Flatten 6*12*12 = 864 -> Linear 10: 864*10 + 10 = 8,650 params, and the field is global.
    await expect(node(page, 'flatten_1')).toContainText('[N, 864]');
    await expect(node(page, 'linear_1')).toContainText('8,650 params');
    await expect(node(page, 'linear_1').getByTestId('rf')).toHaveText('RF global');
    await expect(page.locator('.react-flow__edge-text').first()).toHaveText('[N, 1, 28, 28]');

    // Typing an invalid value shows why under the field and changes nothing.
    await inspector(page).getByLabel('kernel_size').fill('0');
    await expect(inspector(page).getByText('kernel_size every value must be at least 1')).toBeVisible();
    await expect(conv).toContainText('156 params');

    // A kernel larger than the 28x28 input turns the node red with a message.
    await inspector(page).getByLabel('kernel_size').fill('30');
    await expect(conv).toHaveAttribute('data-status', 'error');
    const message = conv.locator('.layer-node__diagnostic');
    await expect(message).toContainText(/kernel/i);
    await expect(node(page, 'linear_1')).not.toContainText('params'); // downstream has no shape now
    await shot(page, 'diagnostic');
    await inspector(page).getByLabel('kernel_size').fill('5');
    await expect(conv).toHaveAttribute('data-status', 'ok');
    await expect(conv).toContainText('156 params');

    // Removing Flatten leaves Linear without an input: red, saying what to do.
    await selectNode(page, 'flatten_1');
    await page.keyboard.press('Delete');
    await expect(page.locator('.react-flow__node')).toHaveCount(5);
    await expect(node(page, 'linear_1')).toHaveAttribute('data-status', 'error');
    await expect(node(page, 'linear_1')).toContainText('nothing connected');

    // Undo brings Flatten and both edges back; redo removes them again; undo once more.
    await page.keyboard.press('Control+z');
    await expect(page.locator('.react-flow__node')).toHaveCount(6);
    await expect(page.locator('.react-flow__edge')).toHaveCount(5);
    await expect(node(page, 'linear_1')).toHaveAttribute('data-status', 'ok');
    await page.getByRole('button', { name: 'Redo' }).click();
    await expect(page.locator('.react-flow__node')).toHaveCount(5);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(page.locator('.react-flow__node')).toHaveCount(6);
    // Typing "6" then "5" into fields were one undo step per field: undoing both restores k3/16.
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await expect(conv).toContainText('160 params');
    await page.keyboard.press('Control+Shift+z');
    await page.keyboard.press('Control+Shift+z');
    await expect(conv).toContainText('156 params');

    // Save downloads a project file.
    await page.getByRole('textbox', { name: 'Project name' }).fill('My CNN');
    const [download] = await Promise.all([page.waitForEvent('download'), menu(page, 'File', 'Save')]);
    expect(download.suggestedFilename()).toBe('my-cnn.netwright');
    const file = test.info().outputPath('my-cnn.netwright');
    await download.saveAs(file);
    const saved = decodeProjectArchive(readFileSync(file)).doc;
    expect(saved.graph.nodes.map((n: { type: string }) => n.type)).toEqual(CHAIN);

    // Reload: a fresh page; opening the file brings back the same graph.
    await openApp(page);
    await expect(page.locator('.react-flow__node')).toHaveCount(0);
    await page.locator('input[data-role="open-project"]').setInputFiles(file);
    await expect(page.locator('.react-flow__node')).toHaveCount(6);
    await expect(page.locator('.react-flow__edge')).toHaveCount(5);
    await expect(node(page, 'conv2d_1')).toContainText('156 params');
    await expect(node(page, 'linear_1')).toContainText('8,650 params');
    await expect(page.getByRole('textbox', { name: 'Project name' })).toHaveValue('My CNN');
    expect(errors).toEqual([]);
  });
});
