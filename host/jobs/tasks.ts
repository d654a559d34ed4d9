// What a host job can be: the heavy work on user documents (import, export, parsing), run inside
// a job worker (./runner.ts) so a slow or huge request never holds the event loop that answers
// every other connection. Each task is a plain function of its input, a progress callback and
// an abort signal; the table's types give the runner its typed `run(name, input)`.
import type { ProjectDocument } from '../../engine/index.ts';
import { parseDocument } from '../../engine/index.ts';
import type { Activations, ActivationsRequest } from '../../protocol/activations.ts';
import type { Prediction } from '../../protocol/training.ts';
import type { ExportedOnnx, ExportOnnxOptions, ImportedOnnx } from '../onnxFiles.ts';
import type { ExportPytorchOptions } from '../../protocol/onnxFiles.ts';
import type { BuiltPytorchExport } from '../pytorchExport.ts';
import type { OpenedProject } from '../projectFiles.ts';
import type { DocumentSource } from '../training/activations.ts';
import type { TrainTest } from '../data/index.ts';
import type { ResolvedDataset } from '../data/uploads.ts';
import type { HeldTensors } from '../heldWeights.ts';

export interface JobProgress {
  /** What the job is doing now, for people ("decoding", "laying out"). */
  phase: string;
  /** 0..1 when known. */
  fraction?: number;
}

export interface TaskContext {
  progress(p: JobProgress): void;
  /**
   * Moves these buffers to the host with the result instead of copying them: a saved or exported
   * ResNet-50 is 100 MB, whose copy took 0.7 s (docs/file-transfer.md). The task must not use
   * them afterwards.
   */
  transfer(buffers: Iterable<ArrayBuffer>): void;
}

/**
 * A result's held weights put in shared memory here, in the job's thread (a copy, off the event
 * loop), so the host holds them without copying and every later job shares them (shareHeld).
 */
async function shareResultHeld<T extends { held?: HeldTensors }>(result: T): Promise<T> {
  if (!result.held) return result;
  const { shareHeld } = await import('../heldWeights.ts');
  return { ...result, held: shareHeld(result.held) };
}

/** The tasks' implementations are loaded inside the worker only, on first use. */
export const tasks = {
  /** An .onnx file's bytes as a laid-out project with import notes. */
  importOnnx: async (
    input: { bytes: Uint8Array; fileName?: string },
    ctx: TaskContext,
  ): Promise<ImportedOnnx> => {
    const { importOnnxFile } = await import('../onnxFiles.ts');
    return shareResultHeld(await importOnnxFile(input.bytes, input.fileName, ctx.progress));
  },
  /** A project as inference ONNX bytes, or the reasons it can't be exported yet. */
  exportOnnx: async (
    input: { document: ProjectDocument } & ExportOnnxOptions,
    ctx: TaskContext,
  ): Promise<ExportedOnnx> => {
    const { exportOnnxFile } = await import('../onnxFiles.ts');
    ctx.progress({ phase: 'exporting' });
    const exported = exportOnnxFile(input.document, input);
    // As large as the weights (100 MB for ResNet-50): moved to the host, not copied.
    if (exported.ok && exported.bytes.buffer instanceof ArrayBuffer) ctx.transfer([exported.bytes.buffer]);
    return exported;
  },
  /** A PyTorch project: its zip, its files for a folder, or why it can't be written. */
  exportPytorch: async (
    input: { document: ProjectDocument } & ExportPytorchOptions,
    ctx: TaskContext,
  ): Promise<BuiltPytorchExport> => {
    const { buildPytorchExport } = await import('../pytorchExport.ts');
    ctx.progress({ phase: 'exporting' });
    const built = await buildPytorchExport(input.document, input);
    // As large as the weights (VGG-19: 548 MB): moved to the host, not copied.
    if (built.kind === 'zip' && built.zip.buffer instanceof ArrayBuffer) ctx.transfer([built.zip.buffer]);
    return built;
  },
  /** Class probabilities for one sample with a document's own weights (Try it before training). */
  predictDocument: async (input: { source: DocumentSource; values: number[] }): Promise<Prediction> => {
    const { predictFromDocument } = await import('../training/predictor.ts');
    return predictFromDocument(input.source, input.values);
  },
  /** One node's output with a document's own weights (feature maps before training). */
  documentActivations: async (input: {
    source: DocumentSource;
    request: ActivationsRequest;
  }): Promise<Activations> => {
    const { documentActivations } = await import('../training/activations.ts');
    return documentActivations(input.source, input.request);
  },
  /**
   * Loads what an import needs (the importer, and ELK, which takes a second to load and warm up
   * on a first layout), so the user's first import does not pay for it (JobRunner.warm).
   */
  warmUp: async (): Promise<null> => {
    await import('../onnxFiles.ts');
    const { layoutPositions } = await import('../../engine/graph/layout.ts');
    const graph = {
      nodes: ['a', 'b', 'c'].map((id) => ({
        id,
        type: 'ReLU',
        name: id,
        attributes: {},
        position: { x: 0, y: 0 },
      })),
      edges: [
        { id: 'ab', source: 'a', sourcePort: 0, target: 'b', targetPort: 0 },
        { id: 'bc', source: 'b', sourcePort: 0, target: 'c', targetPort: 0 },
      ],
    };
    await layoutPositions(graph, () => ({ width: 220, height: 80 }));
    return null;
  },
  /**
   * A training run's data set read and decoded (full MNIST: seconds), straight into shared memory,
   * so posting it to the host copies nothing and the event loop only receives it.
   */
  loadTrainingData: async (input: { resolved: ResolvedDataset }): Promise<TrainTest> => {
    const { loadResolved } = await import('../data/uploads.ts');
    const { inSharedMemory } = await import('../training/dataCache.ts');
    const data = await loadResolved(input.resolved);
    return { ...data, train: inSharedMemory(data.train), test: inSharedMemory(data.test) };
  },
  /** A .netwright file's bytes as a document, its large weights set aside for the host to hold. */
  openProject: async (input: { bytes: Uint8Array }): Promise<OpenedProject> => {
    const { openProjectBytes } = await import('../projectFiles.ts');
    return shareResultHeld(openProjectBytes(input.bytes));
  },
  /** A document (held weights attached) as .netwright bytes. */
  saveProject: async (input: { document: ProjectDocument }, ctx: TaskContext): Promise<Uint8Array> => {
    const { projectBytes } = await import('../projectFiles.ts');
    const bytes = projectBytes(input.document);
    // The zip is as large as the weights (100 MB for ResNet-50): moved, its copy took 0.7 s.
    if (bytes.buffer instanceof ArrayBuffer) ctx.transfer([bytes.buffer]);
    return bytes;
  },
  /** A project file's text, parsed and validated (DocumentError names the field). */
  parseProject: async (input: { text: string }): Promise<ProjectDocument> => parseDocument(input.text),
};

export type Tasks = typeof tasks;
export type TaskName = keyof Tasks;
export type TaskInput<K extends TaskName> = Parameters<Tasks[K]>[0];
export type TaskOutput<K extends TaskName> = Awaited<ReturnType<Tasks[K]>>;
