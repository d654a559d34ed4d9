// The only bridge between the sandboxed page and the main process: one function per HostApi
// member, each returning the call's { ok, result | error } outcome, plus the menu subscription.
// The page never names a channel and never gets ipcRenderer itself.
import { contextBridge, ipcRenderer } from 'electron';
import type { HostBridge } from '../protocol/bridge.ts';

const invoke = (method: string, ...args: unknown[]) => ipcRenderer.invoke(`host:${method}`, ...args);

// Every HostApi method, so the page's calls never miss a channel (the channels themselves come from
// hostMethodNames in ipcPolicy.ts).
const host = {
  listTemplates: () => invoke('listTemplates'),
  loadTemplate: (id) => invoke('loadTemplate', id),
  parseProject: (text) => invoke('parseProject', text),
  saveAutosave: (text) => invoke('saveAutosave', text),
  loadAutosave: () => invoke('loadAutosave'),
  clearAutosave: () => invoke('clearAutosave'),
  beginUpload: (request) => invoke('beginUpload', request),
  uploadChunk: (request) => invoke('uploadChunk', request),
  openProject: (request) => invoke('openProject', request),
  saveProject: (document) => invoke('saveProject', document),
  readTransfer: (request) => invoke('readTransfer', request),
  heldTensor: (request) => invoke('heldTensor', request),
  editHeldWeights: (edit) => invoke('editHeldWeights', edit),
  importOnnx: (request) => invoke('importOnnx', request),
  cancelJob: (job) => invoke('cancelJob', job),
  exportOnnx: (document, options) => invoke('exportOnnx', document, options),
  exportPytorch: (document, options) => invoke('exportPytorch', document, options),
  startTraining: (request) => invoke('startTraining', request),
  startRace: (request) => invoke('startRace', request),
  stopTraining: (runId) => invoke('stopTraining', runId),
  pauseTraining: (runId) => invoke('pauseTraining', runId),
  resumeTraining: (runId) => invoke('resumeTraining', runId),
  retainRuns: (request) => invoke('retainRuns', request),
  attachRun: (runId) => invoke('attachRun', runId),
  exportTrainedOnnx: (runId, options) => invoke('exportTrainedOnnx', runId, options),
  trainedWeights: (runId) => invoke('trainedWeights', runId),
  keepTrainedWeights: (runId) => invoke('keepTrainedWeights', runId),
  predict: (source, input) => invoke('predict', source, input),
  datasetPreview: (spec, count) => invoke('datasetPreview', spec, count),
  addDataset: (request) => invoke('addDataset', request),
  activations: (source, request) => invoke('activations', source, request),
  stepThroughBatch: (source, setup) => invoke('stepThroughBatch', source, setup),
  stepThroughTensors: (request) => invoke('stepThroughTensors', request),
  gradcheckLayer: (request) => invoke('gradcheckLayer', request),
  evaluateRun: (runId, options) => invoke('evaluateRun', runId, options),
} satisfies HostBridge;

contextBridge.exposeInMainWorld('netwright', {
  host,
  onMenuCommand: (listener: (command: string) => void) => {
    const handler = (_event: unknown, command: unknown) => typeof command === 'string' && listener(command);
    ipcRenderer.on('menu:command', handler);
    return () => void ipcRenderer.off('menu:command', handler);
  },
  onHostEvent: (listener: (event: unknown) => void) => {
    const handler = (_event: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on('host:event', handler);
    return () => void ipcRenderer.off('host:event', handler);
  },
});
