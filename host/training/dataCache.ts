// The last data set a training run asked for stays decoded in the host (full MNIST takes seconds
// to read and decode), and in shared memory: the worker thread that trains on it reads the same
// bytes instead of a structured-clone copy of a few hundred megabytes per run.
import type { Dataset } from '../../engine/data/index.ts';
import type { ProjectDocument } from '../../engine/index.ts';
import type { TrainingDataset } from '../../protocol/training.ts';
import type { TrainTest } from '../data/index.ts';
import { loadTrainTestFor } from '../data/uploads.ts';

export function shared<T extends Float32Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Kind = a.constructor as { new (b: SharedArrayBuffer): T };
  const out = new Kind(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

export const inSharedMemory = (d: Dataset): Dataset => ({ ...d, x: shared(d.x), y: shared(d.y) });

export class TrainingDataCache {
  private cached: { key: string; data: Promise<TrainTest> } | null = null;

  constructor(
    private readonly load: (
      d: TrainingDataset,
      doc?: ProjectDocument,
    ) => Promise<TrainTest> = loadTrainTestFor,
  ) {}

  /**
   * The data set, decoded once per spec (the newest spec only: one copy of MNIST is enough). An
   * uploaded folder is prepared for the model's input, so the model's Input is part of the key.
   */
  get(dataset: TrainingDataset, doc?: ProjectDocument): Promise<TrainTest> {
    const input =
      dataset.kind === 'file' ? doc?.graph.nodes.find((n) => n.type === 'Input')?.attributes : null;
    const key = JSON.stringify([dataset, input ?? null]);
    if (this.cached?.key === key) return this.cached.data;
    const data = this.load(dataset, doc).then((d) => ({
      ...d,
      train: inSharedMemory(d.train),
      test: inSharedMemory(d.test),
    }));
    this.cached = { key, data };
    // A failed load is not remembered: the next try reads the files again.
    data.catch(() => {
      if (this.cached?.data === data) this.cached = null;
    });
    return data;
  }
}
