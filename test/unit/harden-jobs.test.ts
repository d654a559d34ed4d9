// The job runner (host/jobs/): heavy work in worker threads with a time and a memory budget,
// progress events, cancellation, and errors that keep their class across the thread boundary.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DocumentError } from '../../engine/index.ts';
import { JobRunner } from '../../host/jobs/runner.ts';
import { HostError } from '../../protocol/hostApi.ts';
import { loadTemplate } from '../helpers/templates.ts';

const testTasks = new URL('../helpers/jobTasks.ts', import.meta.url).href;
const runners: JobRunner[] = [];
const runner = (o: ConstructorParameters<typeof JobRunner>[0] = {}) => {
  const r = new JobRunner({ module: testTasks, ...o });
  runners.push(r);
  return r;
};
after(() => Promise.all(runners.map((r) => r.close())));

const code = (expected: string) => (e: unknown) => e instanceof HostError && e.code === expected;

describe('The job runner', () => {
  it('runs a task and reports its progress', async () => {
    const r = runner();
    const seen: unknown[] = [];
    const n = await r.run('spin', { ms: 20 }, { onProgress: (p) => seen.push(p) });
    assert.ok((n as number) > 0);
    assert.deepEqual(seen, [
      { phase: 'spinning', fraction: 0 },
      { phase: 'spinning', fraction: 1 },
    ]);
  });

  it('moves the buffers a task hands over to the host instead of copying them', async () => {
    const r = runner();
    const values = (await r.run('move', { n: 1000 })) as Float32Array;
    assert.deepEqual([values.length, values[0], values[1], values[999]], [1000, 0, 0.5, 499.5]);
    assert.equal(await r.run('movedBytes', {}), 0);
  });

  it('moves the input buffers the caller hands over into the job instead of copying them', async () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 7);
    const sum = bytes.reduce((a, b) => a + b, 0);
    assert.equal(await runner().run('sumBytes', { bytes }, { transfer: [bytes.buffer] }), sum);
    assert.equal(bytes.buffer.byteLength, 0, 'the caller no longer holds the moved buffer');
  });

  it('stops a job over its time budget, and the next job runs on a fresh thread', async () => {
    const r = runner({ timeoutMs: 800 });
    const t0 = performance.now();
    await assert.rejects(r.run('spin', { ms: 60_000 }), code('too-slow'));
    assert.ok(performance.now() - t0 < 5000);
    assert.ok(((await r.run('spin', { ms: 1 })) as number) > 0);
  });

  it('stops a job that exhausts its heap budget, naming the budget', async () => {
    const r = runner({ memoryMb: 48, timeoutMs: 60_000 });
    await assert.rejects(r.run('hoard', { mb: 2000 }), (e: unknown) => {
      assert.ok(e instanceof HostError && e.code === 'too-large', String(e));
      assert.match(e.message, /memory budget \(48 MB\)/);
      return true;
    });
    assert.ok(((await r.run('spin', { ms: 1 })) as number) > 0);
  });

  it('cancels a running job and a queued one', async () => {
    const r = runner({ threads: 1 });
    const a = new AbortController();
    const b = new AbortController();
    const running = r.run('spin', { ms: 60_000 }, { signal: a.signal });
    const queued = r.run('spin', { ms: 60_000 }, { signal: b.signal });
    b.abort();
    await assert.rejects(queued, code('cancelled'));
    a.abort();
    await assert.rejects(running, code('cancelled'));
    assert.ok(((await r.run('spin', { ms: 1 })) as number) > 0);
  });

  it('refuses jobs beyond its queue with busy', async () => {
    const r = runner({ threads: 1, queueLimit: 1 });
    const stop = new AbortController();
    const first = r.run('spin', { ms: 60_000 }, { signal: stop.signal });
    const second = r.run('spin', { ms: 1 });
    await assert.rejects(r.run('spin', { ms: 1 }), code('busy'));
    stop.abort();
    await assert.rejects(first, code('cancelled'));
    await second;
  });

  it('keeps HostError codes and DocumentErrors across the thread', async () => {
    const r = runner();
    await assert.rejects(
      r.run('fail', { name: 'HostError', message: 'nope', code: 'not-found' }),
      (e: unknown) => e instanceof HostError && e.code === 'not-found' && e.message === 'nope',
    );
    await assert.rejects(
      r.run('fail', { name: 'DocumentError', message: 'graph.nodes[0].id: bad' }),
      (e: unknown) => e instanceof DocumentError && e.message === 'graph.nodes[0].id: bad',
    );
  });

  it('runs the real tasks: parse, export and import round-trip a template', async () => {
    const r = new JobRunner();
    runners.push(r);
    const doc = await r.run('parseProject', { text: JSON.stringify(loadTemplate('lenet5')) });
    assert.equal(doc.name, 'LeNet-5');
    const out = await r.run('exportOnnx', { document: doc });
    assert.ok(out.ok);
    const phases: string[] = [];
    const back = await r.run(
      'importOnnx',
      { bytes: out.ok ? out.bytes : new Uint8Array(), fileName: 'lenet.onnx' },
      { onProgress: (p) => phases.push(p.phase) },
    );
    assert.equal(back.document.graph.nodes.filter((n) => n.type === 'Conv2d').length, 2);
    assert.deepEqual(phases, ['decoding', 'importing', 'laying out']);
    await assert.rejects(r.run('parseProject', { text: '{' }), DocumentError);
  });
});
