// File → Export PyTorch project…: the host writes model.py, the weights, train.py, README.md and
// requirements.txt (host/pytorchExport.ts), into a folder the user picks (Electron) or as a zip
// it offers, which the page downloads like an exported ONNX model (saveDownload: over HTTP in
// browser mode, so a zip of hundreds of MB is never one message). The weights are the ones the
// rest of the app calls current: a finished (or paused) run's, else the project's stored ones,
// else none (PyTorch's own init).
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { ProjectDocument } from '../../engine/index.ts';
import { appStore } from '../state/appStore.ts';
import { hasWeights, type TrainingRun } from '../training/trainingState.ts';
import { lastEpoch } from '../training/curves.ts';
import { formatBytes } from '../components/format.ts';
import { saveDownload } from '../components/hostFiles.ts';
import { isGone } from '../training/flows.ts';

export interface PytorchExportState {
  open: boolean;
  busy: boolean;
  /** Why the last attempt was refused: one sentence per node. */
  problems: string[];
}

export const pytorchExportStore = createStore<PytorchExportState>()(() => ({
  open: false,
  busy: false,
  problems: [],
}));

export const usePytorchExport = <T>(selector: (s: PytorchExportState) => T): T =>
  useStore(pytorchExportStore, selector);

/** Which weights go into the project, and the sentence that tells the user so. */
export type WeightsChoice =
  { source: 'run'; runId: string; text: string } | { source: 'project' | 'none'; text: string };

export function pytorchWeightsChoice(
  run: TrainingRun,
  doc: ProjectDocument,
  /** The app's choice between a run's weights and the initial ones (currentWeights.ts). */
  choice: 'trained' | 'initial' = 'trained',
): WeightsChoice {
  if (run.runId && hasWeights(run) && choice === 'trained') {
    const epoch = lastEpoch(run);
    const accuracy = epoch?.testAccuracy;
    const how =
      run.status === 'paused'
        ? 'paused run'
        : run.status === 'completed'
          ? 'finished run'
          : `${run.status} run`;
    const after = epoch ? ` after epoch ${epoch.epoch}` : '';
    const acc = accuracy != null ? `, test accuracy ${(accuracy * 100).toFixed(1)}%` : '';
    return { source: 'run', runId: run.runId, text: `The weights of the last ${how}${after}${acc}.` };
  }
  if (doc.weights && Object.keys(doc.weights).length)
    return { source: 'project', text: 'The weights stored in the project.' };
  // A large model's weights stay on the host (an imported ResNet-50's); the export reads them there.
  if (doc.weightsRef)
    return { source: 'project', text: 'The weights stored in the project (the Netwright host holds them).' };
  return {
    source: 'none',
    text: 'No weights: the project has none and no run has finished, so load_model() starts from PyTorch’s default initialisation.',
  };
}

/** Electron's preload bridge has a folder dialog; a browser page downloads a zip. */
export const pytorchDestination = (): 'folder' | 'zip' => (window.netwright ? 'folder' : 'zip');

export function openPytorchExport(): void {
  pytorchExportStore.setState({ open: true, problems: [], busy: false });
}

export function closePytorchExport(): void {
  pytorchExportStore.setState({ open: false, problems: [], busy: false });
}

/** The document with the chosen weights in it (the run's are fetched from the host). */
async function documentWithWeights(choice: WeightsChoice): Promise<ProjectDocument> {
  const { host, doc } = appStore.getState();
  if (choice.source !== 'run' || !host) return doc;
  const kept = await host.keepTrainedWeights(choice.runId);
  const out = { ...doc };
  delete out.weights;
  delete out.weightsRef;
  return { ...out, ...kept };
}

/** Exports with the Training panel's settings as train.py's defaults; says where it went. */
export async function exportPytorch(): Promise<void> {
  const { host, hostStatus, training, trainingSetup, doc, actions, weightsChoice } = appStore.getState();
  if (!host || hostStatus.state !== 'connected')
    return void pytorchExportStore.setState({
      problems: ['The Netwright host writes the project and is not connected; start it and try again.'],
    });
  const choice = pytorchWeightsChoice(training, doc, weightsChoice);
  pytorchExportStore.setState({ busy: true, problems: [] });
  try {
    const document = await documentWithWeights(choice);
    const result = await host.exportPytorch(document, {
      destination: pytorchDestination(),
      training: { dataset: trainingSetup.dataset, config: trainingSetup.config },
    });
    if (result.kind === 'problems')
      return void pytorchExportStore.setState({ busy: false, problems: result.problems });
    if (result.kind === 'cancelled') return void pytorchExportStore.setState({ busy: false });
    if (result.kind === 'zip') await saveDownload(host, result.transfer, result.fileName);
    closePytorchExport();
    const where = result.kind === 'zip' ? `${result.fileName} (${formatBytes(result.bytes)})` : result.folder;
    actions.notify('info', `Exported the PyTorch project to ${where}. ${choice.text}`);
  } catch (e) {
    if (choice.source === 'run' && isGone(e)) actions.runGone(choice.runId);
    pytorchExportStore.setState({ busy: false, problems: [(e as Error).message] });
  }
}
