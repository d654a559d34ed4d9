// Entry point: pick the host transport once, start crash recovery and autosave, render the app.
import '@xyflow/react/dist/style.css';
import './styles.css';
// These three were the middle of styles.css; importing them here, right after it, keeps their place
// in the cascade ahead of the feature sheets that the components import.
import './canvas/canvas.css';
import './inspector/inspector.css';
import './summary/summary.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { isAppCommand } from '../protocol/commands.ts';
import { App } from './app/App.tsx';
import { runCommand } from './app/commands.ts';
import { connectHost } from './app/connectHost.ts';
import { appStore } from './state/appStore.ts';
import { checkRecovery, startAutosave } from './app/autosave.ts';
import { followTrainingRuns } from './training/flows.ts';
import { followTrainingSession } from './training/trainingSession.ts';
import { layoutOffThePage } from './canvas/elkWorker.ts';
import { receiveJobProgress } from './app/onnxFlows.ts';
import { throttledTrainingMessages } from './training/eventQueue.ts';

layoutOffThePage();
const { actions } = appStore.getState();
const receiveTraining = throttledTrainingMessages((batches) => actions.receiveTrainingBatches(batches));
const host = connectHost(
  window,
  (status) => actions.setHostStatus(status),
  (event) => (event.name === 'training' ? receiveTraining(event.payload) : receiveJobProgress(event.payload)),
);
actions.setHost(host, appStore.getState().hostStatus);
followTrainingSession(appStore, checkRecovery(appStore));
startAutosave(appStore);
followTrainingRuns(appStore);
window.netwright?.onMenuCommand((command) => isAppCommand(command) && runCommand(command));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
