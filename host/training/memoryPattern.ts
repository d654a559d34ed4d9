// Whether a train step's onnxruntime sessions plan their memory pattern: one block per run, laid
// out from the first runs' allocations (onnxruntime's `enableMemPattern`, on by default).
//
// Measured (one process per setting, 2026-12-06, 2 threads, 4 steps from the first; maxRSS):
//   - ResNet-18 at 224×224, batch 16 (512 MB of activations): 1,692 MB with the pattern and
//     1,986 ms per step, 1,163 MB and 1,590 ms without;
//   - the same at batch 32 (1,023 MB): 2,641 MB and 3,543 ms with, 1,735 MB and 2,886 ms without;
//   - VGG-16 at batch 8 (880 MB): 7,886 MB and 6,356 ms with, 5,899 MB and 5,007 ms without;
//   - but LeNet-5 (8 MB of activations) trained 15-20% slower without it (`netwright bench`,
//     alternated: 15,915 and 15,249 samples/s against 20,378 and 16,962), the MLP (3 MB) a few
//     percent slower, and mini-VGG (146 MB) about as fast, with 769-779 MB of peak RSS against
//     882-981 MB.
// So the pattern stays for teaching-size steps and goes for real-size ones.
import type { InferenceSession } from 'onnxruntime-node';
import type { TrainStep } from '../../engine/index.ts';

/** From this many bytes of forward activations per step, sessions run without the pattern. */
export const MEMORY_PATTERN_MAX_ACTIVATION_BYTES = 256 * 2 ** 20;

/** Whether `step`'s sessions should plan a memory pattern (see the file comment). */
export function usesMemoryPattern(step: Pick<TrainStep, 'activationBytes'>): boolean {
  return step.activationBytes < MEMORY_PATTERN_MAX_ACTIVATION_BYTES;
}

/** `options` with the memory-pattern choice for `step`. */
export function withMemoryPattern(
  options: InferenceSession.SessionOptions,
  step: Pick<TrainStep, 'activationBytes'>,
): InferenceSession.SessionOptions {
  return { ...options, enableMemPattern: usesMemoryPattern(step) };
}
