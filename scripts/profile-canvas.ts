// Where a drag's frames go on the canvas, for profiling rather than for the record (the record is
// scripts/bench-canvas.ts). Opens a graph in Chromium, zooms in as the bench does, then drags one
// node while counting which React components render on each commit (through React's DevTools
// hook, which production builds call too) and tracing the renderer's main thread (CDP).
//   npx vite build --minify false --outDir /tmp/netwright-dev   (readable component names)
//   node --import tsx scripts/profile-canvas.ts [--root /tmp/netwright-dev] [--model thousand|resnet50]
//     [--trace] [--css '.react-flow__edge-interaction { display: none }'] [--drawer]
//     [--open [--cpu]]   (opening instead of a drag: its long tasks, the import's phases, renders)
// Prints the components rendered per drag commit, the main thread's time by trace event (self
// time) and the drag's frame rate.
import type { CDPSession, Page } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from '../test/helpers/tempDir.ts';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../host/paths.ts';
import {
  drag,
  expandAndZoomIn,
  fresh,
  launch,
  rendered,
  thousandLayers,
  visibleNode,
} from './benchCanvasSteps.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    model: { type: 'string', default: 'thousand' },
    trace: { type: 'boolean', default: false },
    cpu: { type: 'boolean', default: false },
    // CSS added to the page before the drag, to try a change without rebuilding.
    css: { type: 'string' },
    // A JSON file of [{ name, css }]: each variant dragged in turn, traced, for --rounds rounds.
    variants: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    // Drag with the Training drawer open.
    drawer: { type: 'boolean', default: false },
    // Profile opening the graph (choosing the file until the page answers) instead of a drag.
    open: { type: 'boolean', default: false },
  },
});
const FIXTURES = process.env.NETWRIGHT_FIXTURES ?? join(repoRoot, '..', 'shared', 'fixtures', 'onnx');

/** Installed before the page loads: counts, per commit, the function components that rendered. */
const RENDER_COUNTER = `(() => {
  const PERFORMED_WORK = 1;
  window.__renders = { commits: 0, byName: {}, perCommit: [] };
  window.__counting = false;
  const nameOf = (t) => (t && (t.displayName || t.name || (t.type && (t.type.displayName || t.type.name)) || (t.render && (t.render.displayName || t.render.name)))) || 'anonymous';
  let commit = {};
  const count = (f) => {
    // Function, forwardRef, memo and simple-memo components (tags 0, 11, 14, 15).
    if (f.tag !== 0 && f.tag !== 11 && f.tag !== 14 && f.tag !== 15) return;
    const n = nameOf(f.type);
    window.__renders.byName[n] = (window.__renders.byName[n] || 0) + 1;
    commit[n] = (commit[n] || 0) + 1;
  };
  // As React DevTools does: a child list not re-created in this commit was not rendered.
  const walk = (fiber) => {
    for (let f = fiber; f; f = f.sibling) {
      const prev = f.alternate;
      if (!prev || (f.flags & PERFORMED_WORK)) count(f);
      if (f.child && (!prev || f.child !== prev.child)) walk(f.child);
    }
  };
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers: new Map(),
    inject(r) { this.renderers.set(1, r); return 1; },
    onScheduleFiberRoot() {},
    onCommitFiberRoot(_id, root) {
      if (!window.__counting) return;
      window.__renders.commits++;
      commit = {};
      walk(root.current.child);
      // The components a commit rendered most of, and when (ms since the page loaded).
      const most = Object.entries(commit).filter(([, n]) => n >= 20);
      if (most.length) window.__renders.perCommit.push([Math.round(performance.now()), Object.fromEntries(most)]);
    },
    onCommitFiberUnmount() {},
    onPostCommitFiberRoot() {},
    checkDCE() {},
  };
})()`;

interface TraceEvent {
  name: string;
  ph: string;
  dur?: number;
  tid: number;
  pid: number;
  ts: number;
}

async function trace<T>(cdp: CDPSession, work: () => Promise<T>) {
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as TraceEvent[])));
  const done = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()));
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline,toplevel,v8.execute',
    transferMode: 'ReportEvents',
  });
  const result = await work();
  await cdp.send('Tracing.end');
  await done;
  return { events, result };
}

/** Self time per event name on the renderer's main thread (complete events only), within [from, to) µs. */
function selfTimes(events: TraceEvent[], from = -Infinity, to = Infinity) {
  // The renderer's main thread: the one whose tasks took longest.
  const busiest = new Map<string, number>();
  for (const e of events)
    if (e.ph === 'X' && e.name === 'RunTask')
      busiest.set(`${e.pid}:${e.tid}`, (busiest.get(`${e.pid}:${e.tid}`) ?? 0) + (e.dur ?? 0));
  const thread = [...busiest.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const mine = events
    .filter(
      (e) =>
        e.ph === 'X' && `${e.pid}:${e.tid}` === thread && e.dur !== undefined && e.ts >= from && e.ts < to,
    )
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const self = new Map<string, number>();
  const stack: { end: number; name: string }[] = [];
  for (const e of mine) {
    while (stack.length && stack[stack.length - 1].end <= e.ts) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - e.dur!);
    self.set(e.name, (self.get(e.name) ?? 0) + e.dur!);
    stack.push({ end: e.ts + e.dur!, name: e.name });
  }
  return [...self.entries()]
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10 }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 18);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/**
 * The JavaScript by function (CDP sampling profiler): self time (top 25) and total time (the
 * function or anything it called was running; top 120, most of them React's own), in ms.
 */
async function cpuProfile(cdp: CDPSession, work: () => Promise<unknown>) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await work();
  const { profile } = await cdp.send('Profiler.stop');
  const nodes = new Map((profile.nodes as ProfileNode[]).map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of nodes.values()) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (id: number) => {
    const f = nodes.get(id)!.callFrame;
    return `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const dt = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((id, i) => {
    const us = dt[i] ?? 0;
    self.set(keyOf(id), (self.get(keyOf(id)) ?? 0) + us);
    // Each function on the sample's stack once, however deep it recurses.
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) onStack.add(keyOf(at));
    for (const key of onStack) total.set(key, (total.get(key) ?? 0) + us);
  });
  const top = (times: Map<string, number>, count: number) =>
    [...times.entries()]
      .map(([fn, us]) => ({ fn, ms: Math.round(us / 100) / 10 }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, count);
  return { self: top(self, 25), total: top(total, 120) };
}

/** The main thread's tasks over `minMs` while opening, each with when it started (ms from the first). */
function longTasks(events: TraceEvent[], minMs: number) {
  const tasks = events.filter((e) => e.ph === 'X' && e.name === 'RunTask' && (e.dur ?? 0) >= minMs * 1000);
  const t0 = Math.min(...events.filter((e) => e.ts > 0).map((e) => e.ts));
  return tasks
    .sort((a, b) => a.ts - b.ts)
    .map((e) => ({
      at: Math.round((e.ts - t0) / 1000),
      ms: Math.round(e.dur! / 1000),
      // What the task did, largest first (self time, ms).
      did: Object.fromEntries(
        selfTimes(events, e.ts, e.ts + e.dur!)
          .slice(0, 6)
          .map((s) => [s.name, s.ms]),
      ),
    }));
}

/** Opens the model once to warm up, then again traced (or CPU-profiled with --cpu). */
async function profileOpen(page: Page, cdp: CDPSession, url: string, model: string) {
  const file =
    model === 'thousand'
      ? join(tempDir('netwright-profile-'), 'thousand.netwright.json')
      : join(FIXTURES, 'light', `light_${model}.onnx`);
  if (model === 'thousand') writeFileSync(file, thousandLayers());
  const input = model === 'thousand' ? 'open-project' : 'import-onnx';
  const count = model === 'thousand' ? 1000 : model === 'resnet50' ? 178 : 428;
  // The page is loaded afresh first; `measure` wraps only choosing the file until the page answers.
  const open = async <T>(measure: (work: () => Promise<number>) => Promise<T>) => {
    await fresh(page, url);
    await page.evaluate('window.__counting = true');
    // When each phase the import's progress bar names began (ms from choosing the file).
    await page.evaluate(`(() => {
      const t0 = performance.now();
      window.__phases = [];
      let last = '';
      new MutationObserver(() => {
        const text = document.querySelector('.import-progress span')?.textContent ?? 'done';
        if (text !== last) window.__phases.push([(last = text).replace(/^Importing \\S+: /, ''), Math.round(performance.now() - t0)]);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    return measure(async () => {
      const t = performance.now();
      await page.locator(`input[data-role="${input}"]`).setInputFiles(file);
      await rendered(page, count);
      return Math.round(performance.now() - t);
    });
  };
  console.log(JSON.stringify({ model, warmUpMs: await open((work) => work()) }));
  if (values.cpu) {
    let ms = 0;
    const cpu = await open((work) => cpuProfile(cdp, async () => (ms = await work())));
    console.log(JSON.stringify({ model, ms }));
    console.log('JavaScript self time (ms):', JSON.stringify(cpu.self));
    console.log('JavaScript total time (ms):', JSON.stringify(cpu.total));
  } else {
    const { events, result } = await open((work) => trace(cdp, work));
    console.log(JSON.stringify({ model, ms: result }));
    for (const task of longTasks(events, 30)) console.log('long task:', JSON.stringify(task));
    console.log(
      'phases (ms from choosing the file):',
      JSON.stringify(await page.evaluate('window.__phases')),
    );
    console.log('main thread self time (ms):', JSON.stringify(selfTimes(events)));
  }
  const renders = (await page.evaluate('window.__renders')) as {
    commits: number;
    byName: Record<string, number>;
    perCommit: [number, Record<string, number>][];
  };
  const top = Object.entries(renders.byName)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12);
  console.log(JSON.stringify({ commits: renders.commits, renders: Object.fromEntries(top) }));
  // The warm-up's commits come first; the measured open's are the last ones.
  for (const c of renders.perCommit) console.log('commit at', c[0], 'ms:', JSON.stringify(c[1]));
}

async function openGraph(page: Page, url: string, model: string): Promise<void> {
  await fresh(page, url);
  if (model === 'thousand') {
    const file = join(tempDir('netwright-profile-'), 'thousand.netwright.json');
    writeFileSync(file, thousandLayers());
    await page.locator('input[data-role="open-project"]').setInputFiles(file);
    await rendered(page, 1000);
    await page.getByRole('region', { name: 'Canvas' }).click({ position: { x: 5, y: 5 } });
    const first = () => document.querySelector<HTMLElement>('.react-flow__node')?.style.transform;
    const before = await page.evaluate(first);
    await page.keyboard.press('Control+l');
    await page.waitForFunction(
      (old) => document.querySelector<HTMLElement>('.react-flow__node')?.style.transform !== old,
      before,
      { timeout: 120_000 },
    );
    await page.waitForTimeout(1000);
    for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Zoom In' }).click();
  } else {
    await page
      .locator('input[data-role="import-onnx"]')
      .setInputFiles(join(FIXTURES, 'light', `light_${model}.onnx`));
    await rendered(page, 178);
    await expandAndZoomIn(page);
  }
  await page.waitForTimeout(500);
}

interface Variant {
  name: string;
  css?: string;
}

/** Drags once per variant per round, the variants interleaved so the machine's load hits each alike. */
async function compareVariants(page: Page, cdp: CDPSession, variants: Variant[], rounds: number) {
  const totals = new Map<string, Record<string, number>[]>();
  // The same node each time, dragged right and back: which node it is changes the cost a lot
  // (the input of the 1,000-layer graph drags ten long edges along).
  const node = await visibleNode(page);
  if (process.env.PROFILE_IDLE) {
    const idle = await trace(cdp, () => page.waitForTimeout(2000));
    console.log('idle 2 s before:', JSON.stringify(selfTimes(idle.events).slice(0, 6)));
  }
  let direction = 1;
  for (let round = 0; round < rounds; round++)
    for (const v of variants) {
      const style = v.css ? await page.addStyleTag({ content: v.css }) : null;
      const dom = await page.evaluate(() => ({
        elements: document.querySelectorAll('*').length,
        nodes: document.querySelectorAll('.react-flow__node').length,
        edges: document.querySelectorAll('.react-flow__edge').length,
      }));
      await page.waitForTimeout(300);
      const { events, result } = await trace(cdp, () => drag(page, node, direction));
      direction = -direction;
      await style?.evaluate((el) => (el as HTMLElement).remove());
      if (process.env.PROFILE_DUMP)
        writeFileSync(`${process.env.PROFILE_DUMP}-${v.name}-${round}.json`, JSON.stringify(events));
      const self = Object.fromEntries(selfTimes(events).map((e) => [e.name, e.ms]));
      const row = {
        ...dom,
        moved: result.moved_px,
        fps: result.fps,
        script: self.FunctionCall ?? 0,
        layerize: self.Layerize ?? 0,
        paint: self.Paint ?? 0,
        hitTest: self.HitTest ?? 0,
        layout: (self.Layout ?? 0) + (self.UpdateLayoutTree ?? 0),
        commit: self.Commit ?? 0,
      };
      console.log(JSON.stringify({ variant: v.name, round, ...row }));
      totals.set(v.name, [...(totals.get(v.name) ?? []), row]);
    }
  for (const [name, rows] of totals) {
    const mean = (k: string) => Math.round(rows.reduce((a, r) => a + r[k], 0) / rows.length);
    console.log(
      JSON.stringify({
        variant: name,
        mean: true,
        ...Object.fromEntries(Object.keys(rows[0]).map((k) => [k, mean(k)])),
      }),
    );
  }
}

async function main(): Promise<void> {
  const dir = tempDir('netwright-profile-');
  const { server, browser, page } = await launch(dir, { root: values.root });
  try {
    await page.addInitScript(RENDER_COUNTER);
    if (values.open) {
      const cdp = await page.context().newCDPSession(page);
      return await profileOpen(page, cdp, server.url, values.model);
    }
    await openGraph(page, server.url, values.model);
    if (values.drawer) {
      await page.getByRole('button', { name: 'Train', exact: true }).click();
      await page.getByRole('region', { name: 'Training' }).waitFor();
      await page.waitForTimeout(500);
    }
    const onScreen = await page.locator('.react-flow__node').count();
    const cdp = await page.context().newCDPSession(page);
    if (values.variants) {
      const variants = JSON.parse(readFileSync(values.variants, 'utf8')) as Variant[];
      console.log(JSON.stringify({ model: values.model, nodesInDom: onScreen }));
      return await compareVariants(page, cdp, variants, Number(values.rounds));
    }
    if (values.css) await page.addStyleTag({ content: values.css });
    // One drag there and back first, so the profile leaves out selecting the node (the Inspector
    // mounting) and the first-run costs of the code.
    const dragged = await visibleNode(page);
    await drag(page, dragged, 1);
    await drag(page, dragged, -1);
    await page.evaluate('window.__counting = true');
    let cpu: unknown = null;
    const { events, result } = values.trace
      ? await trace(cdp, () => drag(page, dragged))
      : values.cpu
        ? await cpuProfile(cdp, async () => drag(page, dragged)).then(
            (c) => ((cpu = c), { events: [], result: null }),
          )
        : { events: [], result: await drag(page, dragged) };
    await page.evaluate('window.__counting = false');
    const renders = (await page.evaluate('window.__renders')) as {
      commits: number;
      byName: Record<string, number>;
    };
    const perCommit = Object.entries(renders.byName)
      .map(([name, n]) => ({ name, perCommit: Math.round((n / Math.max(1, renders.commits)) * 10) / 10 }))
      .sort((a, b) => b.perCommit - a.perCommit)
      .slice(0, 20);
    console.log(
      JSON.stringify({ model: values.model, nodesInDom: onScreen, drag: result, commits: renders.commits }),
    );
    console.log('components rendered per commit:', JSON.stringify(perCommit));
    if (cpu) console.log('JavaScript time by function (ms):', JSON.stringify(cpu));
    if (values.trace) console.log('main thread self time (ms):', JSON.stringify(selfTimes(events)));
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
