// A Netwright project as a PyTorch project: model.py, the weights (safetensors layout), train.py,
// README.md and requirements.txt, and for a generated 2-D set its points as CSV. Pure: returns the
// files by relative path; the CLI and the host write them (or zip them).
import { analyze } from '../../analysis/analyze.ts';
import type { Dataset } from '../../data/dataset.ts';
import type { ProjectDocument } from '../../graph/document.ts';
import { encodeSafetensors, f32Tensor, type SafeTensor } from '../../tensor/safetensors.ts';
import { resolveWeights, type WeightMap } from '../../weights.ts';
import { torchModel, type StateEntry } from './model.ts';
import { projectReadme } from './readme.ts';
import { trainSettings, type TorchTrainSettings } from './settings.ts';
import { trainScript } from './train.ts';

export { PytorchExportError } from './model.ts';

export interface PytorchProjectOptions {
  /** Weights to write; the project's stored weights otherwise (none: PyTorch's default init). */
  weights?: WeightMap;
  /** Settings that win over the project's (the Training panel's current ones). */
  settings?: Partial<TorchTrainSettings>;
  /** A data set with no file of its own (a generated 2-D set), written as data/train.csv and test.csv. */
  data?: { train: Dataset; test: Dataset };
}

export interface PytorchProject {
  className: string;
  /** Relative path -> contents. */
  files: Map<string, string | Uint8Array>;
  /** model.state_dict()'s entries, in order, and the project parameter each one holds. */
  state: StateEntry[];
  settings: TorchTrainSettings;
}

export const WEIGHTS_FILE = 'weights.safetensors';

function weightsFile(state: StateEntry[], weights: WeightMap): Uint8Array {
  const tensors: [string, SafeTensor][] = state.map((e) => {
    if (!e.source) return [e.key, { dtype: e.dtype, shape: e.shape, bytes: new Uint8Array(8) }];
    const values = weights.get(e.source.nodeId)?.get(e.source.param);
    if (!values) throw new Error(`no value for ${e.key}`);
    return [e.key, f32Tensor(e.shape, values)];
  });
  return encodeSafetensors(tensors, { format: 'pt', producer: 'netwright' });
}

/** Rows of `x1,...,label`, the layout train.py's CSV loader reads. */
function csvRows(d: Dataset): string {
  const per = d.x.length / d.length;
  const lines = ['x' + Array.from({ length: per }, (_, i) => i + 1).join(',x') + ',label'];
  for (let i = 0; i < d.length; i++) lines.push([...d.x.subarray(i * per, (i + 1) * per), d.y[i]].join(','));
  return lines.join('\n') + '\n';
}

export function exportPytorchProject(doc: ProjectDocument, opts: PytorchProjectOptions = {}): PytorchProject {
  const analysis = analyze(doc.graph);
  const weights =
    opts.weights || doc.weights ? resolveWeights(analysis, doc.weights, 0, opts.weights) : undefined;
  const model = torchModel(doc, analysis, !!weights);
  const settings = trainSettings(doc, model.inputShape, {
    ...(opts.data ? { data: 'csv' as const } : {}),
    ...opts.settings,
  });
  const files = new Map<string, string | Uint8Array>();
  files.set('model.py', model.source);
  if (weights) files.set(WEIGHTS_FILE, weightsFile(model.state, weights));
  if (model.inputShape) files.set('train.py', trainScript(model.className, settings));
  files.set('README.md', projectReadme(doc, model, settings, !!weights, !!opts.data));
  files.set('requirements.txt', REQUIREMENTS);
  if (opts.data) {
    files.set('data/train.csv', csvRows(opts.data.train));
    files.set('data/test.csv', csvRows(opts.data.test));
  }
  return { className: model.className, files, state: model.state, settings };
}

const REQUIREMENTS = `# Tested with Debian 12's python3-torch 1.13.1, python3-torchvision 0.14.1 and python3-numpy 1.24.2.
torch>=1.13.1
torchvision>=0.14.1
numpy>=1.24.2
`;
