// Issue 16 item 6: a big network opens drawing only the layers in view, once, and the ports that edges
// attach to sit where React Flow expects them (they are placed by margins, not transforms, which
// made each frame of a drag expensive to layerize).
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder, newDocument, serializeDocument } from '../../engine/index.ts';
import { nodeBox } from '../../renderer/canvas/nodeBox.ts';
import { estimatedHandles } from '../../renderer/canvas/ports.ts';
import type { LevelOfDetail } from '../../renderer/canvas/useLayerView.ts';
import { openApp } from './helpers.ts';
import { tempDir } from '../helpers/tempDir.ts';

test.describe.configure({ timeout: 120_000 });

/**
 * Five chains of 100 Linear/ReLU layers from one input: a network that opens compact, too long
 * to fit the view even then (it opens from its start). `merged`: an Add near the start sums the
 * first layers of three chains (a node with four input ports: three used, one free).
 */
function chains(options: { merged?: boolean; direction?: 'TB' | 'LR' } = {}): string {
  const b = new GraphBuilder();
  const x = b.input([32]);
  const firsts: string[] = [];
  for (let chain = 0; chain < 5; chain++) {
    let last = x;
    for (let i = 0; i < 100; i++) {
      last = b.add(i % 2 ? 'ReLU' : 'Linear', i % 2 ? {} : { out_features: 32 }, last);
      if (i === 0) firsts.push(last);
    }
  }
  // Placed by depth (GraphBuilder): its third row, in view when the network opens from its start.
  if (options.merged) b.add('Add', {}, firsts.slice(0, 3));
  if (options.direction !== 'LR') return serializeDocument(newDocument('Chains', b.graph));
  // Left to right: the layers' places transposed, as the layout would lay them out.
  const nodes = b.graph.nodes.map((n) => ({ ...n, position: { x: n.position.y, y: n.position.x } }));
  const doc = newDocument('Chains', { ...b.graph, nodes });
  return serializeDocument({ ...doc, layout: { direction: 'LR' } });
}

/** Opens the chains as a project file, as a user does, and waits for them to be drawn compact. */
async function openChains(page: Page, options: Parameters<typeof chains>[0] = {}): Promise<void> {
  const file = join(tempDir('netwright-e2e-'), 'chains.netwright.json');
  writeFileSync(file, chains(options));
  await page.locator('input[data-role="open-project"]').setInputFiles(file);
  const layers = options.merged ? 502 : 501;
  await expect(page.getByRole('status', { name: 'Status' })).toContainText(`${layers} layers`);
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

/** Waits for `count` animation frames. */
const waitFrames = (page: Page, count: number) =>
  page.evaluate(
    (n) =>
      new Promise<void>((done) => {
        const next = (left: number) => (left ? requestAnimationFrame(() => next(left - 1)) : done());
        next(n);
      }),
    count,
  );

/**
 * Where React Flow measures the ports of the layers in view, as it does (each port's client rect
 * less its node's, over the zoom), with each node's size and the canvas's level of detail.
 */
function measuredPorts(page: Page) {
  return page.locator('.react-flow__node-layer').evaluateAll((els) => {
    const viewport = document.querySelector('.react-flow__viewport')!;
    const zoom = new DOMMatrixReadOnly(getComputedStyle(viewport).transform).m22;
    // Forty of them, and the Add (five ports).
    const some = els.filter((el, i) => i < 40 || el.querySelectorAll('.react-flow__handle').length > 2);
    return some.map((el) => {
      const node = el.getBoundingClientRect();
      return {
        id: el.getAttribute('data-id')!,
        width: (el as HTMLElement).offsetWidth,
        height: (el as HTMLElement).offsetHeight,
        // A full node's content may leave it a fraction of a pixel taller than offsetHeight says.
        exactHeight: node.height / zoom,
        ports: [...el.querySelectorAll('.react-flow__handle')].map((h) => {
          const r = h.getBoundingClientRect();
          const id = h.getAttribute('data-handleid')!;
          return { id, x: (r.left - node.left) / zoom, y: (r.top - node.top) / zoom };
        }),
      };
    });
  });
}

test("a layer's ports are estimated where React Flow measures them, at each level of detail", async ({
  page,
}) => {
  await openApp(page);
  for (const direction of ['TB', 'LR'] as const) {
    // Counts the edges that move once drawn: an edge moves when its ports are measured elsewhere
    // than estimated, and React Flow then re-renders it.
    await page.evaluate(`(() => {
      window.__edgesMoved = [];
      new MutationObserver((records) => {
        for (const r of records)
          if (r.target.closest('.react-flow__edge'))
            window.__edgesMoved.push(r.target.closest('.react-flow__edge').getAttribute('aria-label'));
      }).observe(document.querySelector('.react-flow'), { subtree: true, attributeFilter: ['d'] });
    })()`);
    await openChains(page, { merged: true, direction });
    await waitFrames(page, 10);
    expect(await page.evaluate('window.__edgesMoved'), `${direction}: edges moved after measuring`).toEqual(
      [],
    );
    const canvas = page.locator('.canvas');
    for (const round of ['opened', 'zoomed in']) {
      if (round === 'zoomed in') {
        // Find takes the view to the Add at a readable zoom.
        await page.keyboard.press('Control+f');
        await page.getByRole('search', { name: 'Find layers' }).getByLabel('Find layer').fill('Add');
        await page.keyboard.press('Enter');
        await page.keyboard.press('Escape');
        await expect(canvas).toHaveAttribute('data-lod', 'full');
      }
      const lod = (await canvas.getAttribute('data-lod')) as LevelOfDetail;
      const box = nodeBox(lod);
      const nodes = await measuredPorts(page);
      expect(
        nodes.some((n) => n.ports.length === 5),
        `${direction} ${lod}: the Add is in view`,
      ).toBe(true);
      for (const n of nodes) {
        const where = `${direction} ${lod}: ${n.id}`;
        // A compact tile is the box's size; a full node is as tall as its content.
        if (lod === 'full') expect(n.width, `${where}'s width`).toBe(box.width);
        else expect([n.width, n.height], `${where}'s size`).toEqual([box.width, box.height]);
        const estimate = estimatedHandles(n.ports.length - 1, { ...box, height: n.exactHeight }, direction);
        for (const port of n.ports) {
          const expected = estimate.find((h) => h.id === port.id)!;
          // Opened at the furthest fit (a power of two, whole-pixel offsets) the measurement is
          // exact. At other zooms client rects carry rounding noise that React Flow divides by the
          // zoom: up to about 1/64 px. (The old estimate was 5 to 8 px off.)
          const off = [Math.abs(port.x - expected.x), Math.abs(port.y - expected.y)];
          if (round === 'opened') expect(off, `${where} ${port.id} is off`).toEqual([0, 0]);
          else expect(Math.max(...off), `${where} ${port.id} is off`).toBeLessThan(0.05);
        }
      }
    }
  }
});

test('a port starts a connection when dragged from', async ({ page }) => {
  await openApp(page);
  await openChains(page, { merged: true });
  // Zoomed in on the Add (three of its four ports wired), as a user would to wire it.
  await page.keyboard.press('Control+f');
  await page.getByRole('search', { name: 'Find layers' }).getByLabel('Find layer').fill('Add');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  await expect(page.locator('.canvas')).toHaveAttribute('data-lod', 'full');
  await waitFrames(page, 20); // the move to the Add is animated
  const add = await page
    .locator('.react-flow__node-layer')
    .evaluateAll((els) =>
      els.find((el) => el.querySelectorAll('.react-flow__handle').length === 5)!.getAttribute('data-id')!,
    );
  // Layers above the Add whose outputs are not wired to it, nearest first (well in view).
  const from = await page.locator('.react-flow__node-layer').evaluateAll((els, add) => {
    const addBox = document.querySelector(`.react-flow__node[data-id="${add}"]`)!.getBoundingClientRect();
    const wired = (id: string) => document.querySelector(`[aria-label="Edge from ${id} to ${add}"]`);
    return els
      .filter((el) => el.getBoundingClientRect().bottom < addBox.top)
      .sort((a, b) => b.getBoundingClientRect().bottom - a.getBoundingClientRect().bottom)
      .map((el) => el.getAttribute('data-id')!)
      .filter((id) => !wired(id));
  }, add);
  expect(from.length, 'a layer above the Add in view').toBeGreaterThan(0);
  const port = (node: string, handle: string) =>
    page.locator(`.react-flow__node[data-id="${node}"] .react-flow__handle[data-handleid="${handle}"]`);
  const edge = (source: string) => page.locator(`[aria-label="Edge from ${source} to ${add}"]`);

  await port(from[0], 'out-0').dragTo(port(add, 'in-3'));
  await expect(edge(from[0])).toHaveCount(1);
  await expect(page.locator(`.react-flow__node[data-id="${add}"] .react-flow__handle`)).toHaveCount(6);
});
