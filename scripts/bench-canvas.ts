// Canvas performance, measured the way a user feels it: Chromium (Playwright) against browser mode.
//   node --import tsx scripts/bench-canvas.ts [--runs 3] [--quick]   (needs `npm run build:renderer`)
// Prints one JSON line per measurement, each with its target (issue 16) and whether it was met:
//   open-onnx      ResNet-50 (< 2 s) and DenseNet-121 (< 3 s) from the model zoo, from choosing the
//                  file until the network is on screen and the page answers (host: decode, import,
//                  layout; page: analysis, first render)
//   open-project   a generated 1,000-layer project file until its nodes are rendered (< 1 s)
//   auto-layout    Auto layout (Ctrl+L; ELK in a Web Worker) of the 1,000 layers until they moved
//   drag           frames counted with requestAnimationFrame while dragging one node with the
//                  mouse, in the 1,000-layer graph and in ResNet-50 with every block expanded
//                  (≥ 50 frames per second)
//   edit-analysis  the analysis after one attribute edit (its User Timing measure), in ResNet-50
//                  and in the 1,000-layer graph (< 20 ms)
// A drag keeps the pointer clear of the canvas edges: near one React Flow pans the whole view,
// which is another measurement (before December 2026 the 1,000-layer drag strayed there).
// --root DIR serves another renderer build (e.g. one built from main with --outDir), to compare
// before and after within the same minutes on a shared machine.
// --quick measures each case once on the 1,000-layer graph and ResNet-50 only (CI keeps the
// script from going stale with it: test/unit/bench-canvas.test.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../host/paths.ts';
import { tempDir } from '../test/helpers/tempDir.ts';
import {
  drag,
  editAnalysis,
  expandAndZoomIn,
  fresh,
  launch,
  line,
  rendered,
  round,
  thousandLayers,
} from './benchCanvasSteps.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    root: { type: 'string' },
  },
});
const QUICK = values.quick;
const RUNS = QUICK ? 1 : Math.max(1, Number(values.runs));
const FIXTURES = process.env.NETWRIGHT_FIXTURES ?? join(repoRoot, '..', 'shared', 'fixtures', 'onnx');
const MODELS = [
  { model: 'resnet50', file: join(FIXTURES, 'light', 'light_resnet50.onnx'), nodes: 178, targetMs: 2000 },
  {
    model: 'densenet121',
    file: join(FIXTURES, 'light', 'light_densenet121.onnx'),
    // Each Caffe BatchNorm + Scale (Mul, Add) pair imports as one BatchNorm2d.
    nodes: 428,
    targetMs: 3000,
  },
].filter((m) => !QUICK || m.model === 'resnet50');
const TARGETS = { openProject: 1000, fps: 50, analysisMs: 20 };

async function main(): Promise<void> {
  const dir = tempDir('netwright-bench-');
  const projectFile = join(dir, 'thousand.netwright.json');
  writeFileSync(projectFile, thousandLayers());
  const { server, browser, page } = await launch(dir, { root: values.root, warmJobs: true });
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const m of MODELS) {
        await fresh(page, server.url);
        const t = performance.now();
        await page.locator('input[data-role="import-onnx"]').setInputFiles(m.file);
        await rendered(page, m.nodes);
        const ms = Math.round(performance.now() - t);
        line({
          case: 'open-onnx',
          model: m.model,
          run,
          nodes: m.nodes,
          ms,
          target_ms: m.targetMs,
          ok: ms < m.targetMs,
        });
        if (m.model !== 'resnet50') continue;
        await expandAndZoomIn(page);
        await page.waitForTimeout(300);
        const dragged = await drag(page);
        line({
          case: 'drag',
          model: m.model,
          run,
          nodes: m.nodes,
          ...dragged,
          target_fps: TARGETS.fps,
          ok: dragged.fps >= TARGETS.fps,
        });
        const analysisMs = round(await editAnalysis(page, 'Conv2d', 'out_channels', '96'));
        line({
          case: 'edit-analysis',
          model: m.model,
          run,
          nodes: m.nodes,
          ms: analysisMs,
          target_ms: TARGETS.analysisMs,
          ok: analysisMs < TARGETS.analysisMs,
        });
      }

      await fresh(page, server.url);
      let t = performance.now();
      await page.locator('input[data-role="open-project"]').setInputFiles(projectFile);
      await rendered(page, 1000);
      const openMs = Math.round(performance.now() - t);
      line({
        case: 'open-project',
        model: 'thousand',
        run,
        nodes: 1000,
        ms: openMs,
        target_ms: TARGETS.openProject,
        ok: openMs < TARGETS.openProject,
      });

      // Done when the rendered nodes or their places change (the layout lands, then zoom to fit).
      const placement = () =>
        [...document.querySelectorAll<HTMLElement>('.react-flow__node')]
          .slice(0, 30)
          .map((el) => `${el.getAttribute('data-id')}${el.style.transform}`)
          .join();
      const before = await page.evaluate(placement);
      t = performance.now();
      await page.getByRole('region', { name: 'Canvas' }).click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('Control+l');
      await page.waitForFunction(
        (old) =>
          [...document.querySelectorAll<HTMLElement>('.react-flow__node')]
            .slice(0, 30)
            .map((el) => `${el.getAttribute('data-id')}${el.style.transform}`)
            .join() !== old,
        before,
        { timeout: 120_000, polling: 'raf' },
      );
      line({
        case: 'auto-layout',
        model: 'thousand',
        run,
        nodes: 1000,
        ms: Math.round(performance.now() - t),
      });
      await page.waitForTimeout(500);
      for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Zoom In' }).click();
      await page.waitForTimeout(300);
      const dragged = await drag(page);
      line({
        case: 'drag',
        model: 'thousand',
        run,
        nodes: 1000,
        ...dragged,
        target_fps: TARGETS.fps,
        ok: dragged.fps >= TARGETS.fps,
      });
      const analysisMs = round(await editAnalysis(page, 'Linear', 'out_features', '48'));
      line({
        case: 'edit-analysis',
        model: 'thousand',
        run,
        nodes: 1000,
        ms: analysisMs,
        target_ms: TARGETS.analysisMs,
        ok: analysisMs < TARGETS.analysisMs,
      });
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
