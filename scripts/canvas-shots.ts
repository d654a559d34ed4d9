// Screenshots of big graphs at fit-to-view, to compare the canvas's look before and after a change
// (issue 16 keeps these in the lead's notes): ResNet-50 top to bottom and left to right, and
// DenseNet-121, each with the Training drawer closed and open, at 1400x900.
//   node --import tsx scripts/canvas-shots.ts --out DIR [--root <a renderer build>]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../host/paths.ts';
import { tempDir } from '../test/helpers/tempDir.ts';
import { fresh, launch, menu, rendered } from './benchCanvasSteps.ts';

const { values } = parseArgs({ options: { root: { type: 'string' }, out: { type: 'string' } } });
if (!values.out) throw new Error('--out DIR: where the screenshots go');
const out = values.out;
mkdirSync(out, { recursive: true });
const FIXTURES = process.env.NETWRIGHT_FIXTURES ?? join(repoRoot, '..', 'shared', 'fixtures', 'onnx');
const CASES = [
  { model: 'resnet50', layers: 178, directions: ['Top to bottom', 'Left to right'] },
  { model: 'densenet121', layers: 428, directions: ['Top to bottom'] },
];

const { server, browser, page } = await launch(tempDir('netwright-shots-'), { root: values.root });
try {
  await page.setViewportSize({ width: 1400, height: 900 });
  for (const c of CASES)
    for (const direction of c.directions) {
      // A fresh page for each layout.
      await fresh(page, server.url);
      await page
        .locator('input[data-role="import-onnx"]')
        .setInputFiles(join(FIXTURES, 'light', `light_${c.model}.onnx`));
      await rendered(page, c.layers);
      await page.getByRole('button', { name: 'Dismiss import notes' }).click();
      await menu(page, 'View', direction);
      for (const drawer of ['closed', 'drawer']) {
        // The tab remembers the drawer across reloads: toggled only when it is not as wanted.
        const open = await page.getByRole('region', { name: 'Training' }).isVisible();
        if (open !== (drawer === 'drawer'))
          await page
            .getByRole('toolbar', { name: 'Main toolbar' })
            .getByRole('button', { name: 'Train', exact: true })
            .click();
        await page.waitForTimeout(400);
        await page.getByRole('button', { name: 'Fit View' }).click();
        await page.waitForTimeout(600);
        const name = `${c.model}-${direction === 'Left to right' ? 'lr' : 'tb'}-${drawer}.png`;
        await page.screenshot({ path: join(out, name) });
        console.log(join(out, name));
      }
    }
} finally {
  await browser.close();
  await server.close();
}
