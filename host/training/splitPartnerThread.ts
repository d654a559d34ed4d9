// The partner thread of a split train step (splitPartner.ts starts it): one onnxruntime session of
// the gradient pass on one intra-op thread, fed from and answering into shared memory
// (splitLayout.ts). It waits on the control words, so a step costs no message and no copy beyond
// the two between shared and private memory (onnxruntime-node refuses shared buffers as tensors).
import * as ort from 'onnxruntime-node';
import { parentPort } from 'node:worker_threads';
import { CONTROL, PARTNER_STATE, type PartnerLayout } from './splitLayout.ts';

/** What the session sends once it has a split step for this thread (it may start early, warm). */
export interface PartnerStart {
  type: 'start';
  model: Uint8Array;
  layout: PartnerLayout;
  /** onnxruntime's enableMemPattern for the session (memoryPattern.ts). */
  memoryPattern: boolean;
  control: SharedArrayBuffer;
  inputs: SharedArrayBuffer;
  outputs: SharedArrayBuffer;
}

async function serve({
  model,
  layout,
  memoryPattern,
  control,
  inputs,
  outputs,
}: PartnerStart): Promise<void> {
  const ctl = new Int32Array(control);
  const shared = new Float32Array(inputs);
  const results = new Float32Array(outputs);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    enableMemPattern: memoryPattern,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  // Private copies the tensors wrap: refilled from shared memory before every run.
  const own = layout.inputs.map((s) => new Float32Array(s.size));
  const feeds = Object.fromEntries(
    layout.inputs.map((s, i) => [s.name, new ort.Tensor('float32', own[i], s.shape)]),
  );
  parentPort!.postMessage({ type: 'ready' });
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, CONTROL.asked, seen);
    if (Atomics.load(ctl, CONTROL.state) === PARTNER_STATE.stopping) break;
    seen = Atomics.load(ctl, CONTROL.asked);
    try {
      layout.inputs.forEach((s, i) => own[i].set(shared.subarray(s.offset, s.offset + s.size)));
      const out = await session.run(feeds);
      for (const s of layout.outputs) results.set(out[s.name].data as Float32Array, s.offset);
    } catch (e) {
      Atomics.store(ctl, CONTROL.state, PARTNER_STATE.failed);
      parentPort!.postMessage({ type: 'error', message: String((e as Error)?.message ?? e) });
    }
    Atomics.store(ctl, CONTROL.done, seen);
    Atomics.notify(ctl, CONTROL.done);
  }
  await session.release();
  parentPort!.close();
}

parentPort!.once('message', (m: PartnerStart) =>
  serve(m).catch((e) => {
    parentPort!.postMessage({ type: 'error', message: String((e as Error)?.stack ?? e) });
  }),
);
