// The session's side of a split step's partner thread (splitPartnerThread.ts): starts it, hands it
// a part of the batch and the parameters through shared memory, and waits for its gradients
// without blocking the event loop (Atomics.waitAsync).
import type { Worker } from 'node:worker_threads';
import type { TrainStep } from '../../engine/index.ts';
import { startTsxThread } from '../tsxThread.ts';
import { usesMemoryPattern } from './memoryPattern.ts';
import { CONTROL, CONTROL_WORDS, PARTNER_STATE, partnerLayout, type PartnerLayout } from './splitLayout.ts';
import type { PartnerStart } from './splitPartnerThread.ts';

type FromPartner = { type: 'ready' } | { type: 'error'; message: string };

/** A thread that has loaded onnxruntime and waits for its split step (warmSplitPartner). */
let spare: Worker | null = null;

function spawnPartner(): Worker {
  const worker = startTsxThread(new URL('./splitPartnerThread.ts', import.meta.url).href, {});
  worker.unref();
  return worker;
}

/**
 * Starts a partner thread now, for the next split step to take: loading tsx and onnxruntime in a
 * new thread takes about half a second, which would otherwise delay the first step of a run.
 */
export function warmSplitPartner(): void {
  if (spare) return;
  const worker = spawnPartner();
  const forget = () => {
    if (spare === worker) spare = null;
  };
  worker.once('exit', forget);
  worker.once('error', forget);
  spare = worker;
}

/** How long a partner may take to load onnxruntime and build its session. */
const START_MS = 120_000;
/** How long finish() blocks its thread before it waits through the event loop. */
const BLOCKING_MS = 1_000;

export class SplitPartner {
  private readonly control: Int32Array;
  private readonly inputs: Float32Array;
  private readonly outputs: Float32Array;
  private asked = 0;
  /** Rejects once the thread fails or exits: every wait races it. */
  private readonly failure: Promise<never>;

  private constructor(
    private readonly worker: Worker,
    readonly layout: PartnerLayout,
    buffers: { control: SharedArrayBuffer; inputs: SharedArrayBuffer; outputs: SharedArrayBuffer },
    failure: Promise<never>,
  ) {
    this.control = new Int32Array(buffers.control);
    this.inputs = new Float32Array(buffers.inputs);
    this.outputs = new Float32Array(buffers.outputs);
    this.failure = failure;
  }

  /** A partner thread with a session of `model` (the gradient step `gradient`, encoded), ready to run. */
  static async start(gradient: TrainStep, model: Uint8Array): Promise<SplitPartner> {
    const layout = partnerLayout(gradient);
    const buffers = {
      control: new SharedArrayBuffer(CONTROL_WORDS * 4),
      inputs: new SharedArrayBuffer(layout.inputFloats * 4),
      outputs: new SharedArrayBuffer(layout.outputFloats * 4),
    };
    const worker = spare ?? spawnPartner();
    spare = null;
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const failure = new Promise<never>((_, reject) => {
      worker.on('message', (m: FromPartner) =>
        m.type === 'ready' ? ready() : reject(new Error(`The second training thread failed: ${m.message}`)),
      );
      worker.on('error', (e) => reject(new Error(`The second training thread failed: ${e.message}`)));
      worker.on('exit', (code) => reject(new Error(`The second training thread exited (code ${code}).`)));
    });
    failure.catch(() => undefined);
    const memoryPattern = usesMemoryPattern(gradient);
    worker.postMessage({ type: 'start', model, layout, memoryPattern, ...buffers } satisfies PartnerStart);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('The second training thread did not start within 2 minutes.')),
        START_MS,
      );
    });
    try {
      await Promise.race([started, failure, late]);
    } catch (e) {
      await worker.terminate();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return new SplitPartner(worker, layout, buffers, failure);
  }

  /** Starts a gradient pass on `values` (the partner's rows of the batch and every parameter, by input name). */
  begin(values: (name: string) => Float32Array): void {
    for (const s of this.layout.inputs) {
      const v = values(s.name);
      if (v.length !== s.size)
        throw new Error(`split step: ${s.name} has ${v.length} values, expected ${s.size}`);
      this.inputs.set(v, s.offset);
    }
    this.asked++;
    Atomics.store(this.control, CONTROL.asked, this.asked);
    Atomics.notify(this.control, CONTROL.asked);
  }

  /**
   * Waits for the pass begun last; its outputs by name, as views of shared memory that the next
   * begin() overwrites (copy what must outlive it; onnxruntime can't read them either).
   */
  async finish(): Promise<Map<string, Float32Array>> {
    // A blocking wait first: it wakes within microseconds of the partner's notify, where a
    // waitAsync settles through the event loop (0.2-0.25 ms later, 4% of LeNet-5's step). Past
    // BLOCKING_MS the partner may be gone (an exit is only seen by the event loop): wait async.
    const blockUntil = performance.now() + BLOCKING_MS;
    for (;;) {
      const done = Atomics.load(this.control, CONTROL.done);
      if (done === this.asked) break;
      if (performance.now() < blockUntil) {
        Atomics.wait(this.control, CONTROL.done, done, BLOCKING_MS);
        continue;
      }
      const wait = Atomics.waitAsync(this.control, CONTROL.done, done);
      if (wait.async) await Promise.race([wait.value, this.failure]);
    }
    if (Atomics.load(this.control, CONTROL.state) === PARTNER_STATE.failed) await this.failure;
    return new Map(
      this.layout.outputs.map((s) => [s.name, this.outputs.subarray(s.offset, s.offset + s.size)]),
    );
  }

  /** Ends the thread (after its current pass). */
  async stop(): Promise<void> {
    Atomics.store(this.control, CONTROL.state, PARTNER_STATE.stopping);
    Atomics.store(this.control, CONTROL.asked, this.asked + 1);
    Atomics.notify(this.control, CONTROL.asked);
    await this.worker.terminate();
  }
}
