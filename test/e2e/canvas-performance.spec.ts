// Issue 16 item 6: a big network opens drawing only the layers in view, once, and the ports that edges
// attach to sit where React Flow expects them (they are placed by margins, not transforms, which
// made each frame of a drag expensive to layerize).
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder, newDocument, serializeDocument } from '../../engine/index.ts';
import { openApp } from './helpers.ts';
import { tempDir } from '../helpers/tempDir.ts';

test.describe.configure({ timeout: 120_000 });

/**
 * Five chains of 100 Linear/ReLU layers from one input: a network that opens compact, too long
 * to fit the view even then (it opens from its start).
 */
function chains(): string {
  const b = new GraphBuilder();
  const x = b.input([32]);
  for (let chain = 0; chain < 5; chain++) {
    let last = x;
    for (let i = 0; i < 100; i++)
      last = b.add(i % 2 ? 'ReLU' : 'Linear', i % 2 ? {} : { out_features: 32 }, last);
  }
  return serializeDocument(newDocument('Chains', b.graph));
}

/** Opens the chains as a project file, as a user does, and waits for them to be drawn compact. */
async function openChains(page: Page): Promise<void> {
  const file = join(tempDir('netwright-e2e-'), 'chains.netwright.json');
  writeFileSync(file, chains());
  await page.locator('input[data-role="open-project"]').setInputFiles(file);
  await expect(page.getByRole('status', { name: 'Status' })).toContainText('501 layers');
  await expect(page.locator('.canvas')).toHaveAttribute('data-lod', /compact|far/);
}

test('a 501-layer project opens drawing only the layers in view, once, compact, never first in full', async ({
  page,
}) => {
  await openApp(page);
  // Counts the layer nodes React Flow mounts while the project opens, and how many in full detail.
  await page.evaluate(`(() => {
    window.__mounted = { full: 0, compact: 0 };
    new MutationObserver((records) => {
      for (const r of records)
        for (const n of r.addedNodes) {
          if (!(n instanceof HTMLElement)) continue;
          for (const el of [n, ...n.querySelectorAll('.layer-node')])
            if (el.classList.contains('layer-node'))
              window.__mounted[el.classList.contains('layer-node--compact') ? 'compact' : 'full']++;
        }
    }).observe(document.querySelector('.react-flow'), { childList: true, subtree: true });
  })()`);
  await openChains(page);
  await expect(page.locator('.react-flow__node-layer').first()).toBeVisible();
  const mounted = (await page.evaluate('window.__mounted')) as { full: number; compact: number };
  // The network fits only compact: a layer mounted in full was drawn at the zoom before the fit.
  expect(mounted.full, 'layers first drawn in full at the old zoom').toBe(0);
  expect(mounted.compact).toBeGreaterThan(0);
  // Each is mounted once; a few along the view's edge may come back when the measured fit moves.
  expect(mounted.compact, 'layers drawn over again').toBeLessThan(1.2 * 501);
  // Only what is in view is drawn (React Flow keeps the rest out of the DOM). Before, every
  // layer React Flow had not measured yet was drawn, in view or not.
  const inView = await page.locator('.react-flow__node-layer').count();
  expect(inView, 'the network should not fit the view').toBeLessThan(400);
  expect(mounted.compact, 'layers drawn outside the view').toBeLessThan(1.2 * inView + 10);
});

test('ports sit centred on the node edges, in compact and full detail', async ({ page }) => {
  await openApp(page);
  await openChains(page);
  const measure = () =>
    page.locator('.react-flow__node-layer').evaluateAll((els) =>
      els.slice(0, 6).flatMap((el) => {
        const box = el.querySelector('.layer-node')!;
        const r = box.getBoundingClientRect();
        const zoom = r.width / (box as HTMLElement).offsetWidth;
        // React Flow centres a port on the edge of the node's padding box (inside its border).
        const css = getComputedStyle(box);
        const inner = {
          top: r.top + parseFloat(css.borderTopWidth) * zoom,
          bottom: r.bottom - parseFloat(css.borderBottomWidth) * zoom,
          left: r.left + parseFloat(css.borderLeftWidth) * zoom,
          right: r.right - parseFloat(css.borderRightWidth) * zoom,
        };
        return [...el.querySelectorAll('.react-flow__handle')].map((h) => {
          const p = h.getBoundingClientRect();
          const [cx, cy] = [p.x + p.width / 2, p.y + p.height / 2];
          const side = (['top', 'bottom', 'left', 'right'] as const).find((s) =>
            h.classList.contains(`react-flow__handle-${s}`),
          )!;
          const off = side === 'top' || side === 'bottom' ? cy - inner[side] : cx - inner[side];
          return { id: el.getAttribute('data-id'), side, off: Math.abs(off) };
        });
      }),
    );
  for (const round of ['compact', 'full']) {
    if (round === 'full') {
      for (let i = 0; i < 10; i++) await page.getByRole('button', { name: 'Zoom In' }).click();
      await expect(page.locator('.canvas')).toHaveAttribute('data-lod', 'full');
    }
    const ports = await measure();
    expect(ports.length, `${round}: ports measured`).toBeGreaterThan(6);
    for (const p of ports)
      expect(p.off, `${round}: ${p.id}'s ${p.side} port is off its edge`).toBeLessThan(0.75);
  }
});
