// The save and export jobs of a host-held model (issue 16, docs/file-transfer.md): the held weights
// in shared memory (as the host keeps them) against plain copies (as before: posting them to the
// job's thread cloned them), interleaved, with the event loop's longest stall
// during each job, the export of a run's weights as exportTrainedOnnx makes it, and where
// encodeProjectArchive's own time goes.
//   node --import tsx scripts/bench-held-jobs.ts [--model resnet50] [--rounds 3]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { zipSync } from 'fflate';
import type { ProjectDocument, WeightMap } from '../engine/index.ts';
import { encodeProjectArchive } from '../engine/index.ts';
import { HeldWeights } from '../host/heldWeights.ts';
import { JobRunner } from '../host/jobs/runner.ts';
import { shareWeights } from '../host/jobs/modelThread.ts';
import { importOnnxFile } from '../host/onnxFiles.ts';
import { FIXTURES } from '../test/helpers/onnxCases.ts';

const { values } = parseArgs({
  options: { model: { type: 'string', default: 'resnet50' }, rounds: { type: 'string', default: '3' } },
});
const file = join(FIXTURES, 'light', `light_${values.model}.onnx`);
const imported = await importOnnxFile(readFileSync(file), `${values.model}.onnx`);
const held = new HeldWeights();
const shared = held.attach({ ...imported.document, weightsRef: held.hold(imported.held!) });
const plain: ProjectDocument = {
  ...shared,
  weights: Object.fromEntries(
    Object.entries(shared.weights!).map(([id, params]) => [
      id,
      Object.fromEntries(Object.entries(params).map(([p, t]) => [p, { ...t, values: t.values!.slice() }])),
    ]),
  ),
};

// A trained run's weights as TrainingRuns keeps them: plain arrays beside a graph without weights.
const runWeights: WeightMap = new Map(
  Object.entries(plain.weights!).map(([id, params]) => [
    id,
    new Map(Object.entries(params).map(([p, t]) => [p, t.values!])),
  ]),
);
const { weights: _, ...graphOnly } = shared;

const jobs = new JobRunner();
await jobs.run('parseProject', { text: '{}' }).catch(() => undefined); // a loaded thread
const ms = (t0: number) => Math.round(performance.now() - t0);

/** A job's wall time and the event loop's longest stall meanwhile. */
async function timed(job: () => Promise<unknown>) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const t0 = performance.now();
  await job();
  const wall = ms(t0);
  delay.disable();
  return { ms: wall, loopStallMs: Math.round(delay.max / 1e6) };
}

/** encodeProjectArchive's passes over the weights: the safetensors join, then fflate's CRC and copy. */
function archiveParts(doc: ProjectDocument) {
  const tensors = Object.values(doc.weights!).flatMap((params) =>
    Object.values(params).map((t) => t.values!),
  );
  let t0 = performance.now();
  // What encodeSafetensors does with the tensors' bytes: one buffer, each copied in.
  const joined = new Uint8Array(tensors.reduce((n, v) => n + v.byteLength, 0));
  let at = 0;
  for (const v of tensors) {
    joined.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), at);
    at += v.byteLength;
  }
  const joinMs = ms(t0);
  t0 = performance.now();
  zipSync({ 'weights.safetensors': [joined, { level: 0 }] });
  const zipMs = ms(t0);
  t0 = performance.now();
  encodeProjectArchive(doc);
  return { safetensorsJoinMs: joinMs, zipCrcAndCopyMs: zipMs, encodeProjectArchiveMs: ms(t0) };
}

for (let round = 1; round <= Number(values.rounds); round++)
  for (const [weights, document] of [
    ['plain', plain],
    ['shared', shared],
  ] as const) {
    const save = await timed(() => jobs.run('saveProject', { document }));
    const exportOnnx = await timed(() => jobs.run('exportOnnx', { document }));
    console.log(JSON.stringify({ model: values.model, round, weights, save, exportOnnx }));
    if (weights === 'plain') continue;
    // What exportTrainedOnnx does with a finished run's weights (host/hostRunMethods.ts).
    const exportTrained = await timed(async () =>
      jobs.run('exportOnnx', { document: graphOnly, weights: await shareWeights(runWeights), trained: true }),
    );
    console.log(JSON.stringify({ model: values.model, round, weights: 'a run', exportTrained }));
  }
console.log(JSON.stringify({ model: values.model, inThisThread: archiveParts(shared) }));
await jobs.close();
