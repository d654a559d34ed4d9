// What the File menu's exchange commands need on the page: the ONNX and PyTorch export dialogs, the hidden
// file input that ONNX import opens, the import notes, and the React Flow instance that picture
// export (PNG, SVG) reads. The commands themselves live in the toolbar's menus.
import { useReactFlow } from '@xyflow/react';
import { useEffect } from 'react';
import { registerFlow } from './imageExport.ts';
import {
  cancelImport,
  closeOnnxExport,
  dismissImportNotes,
  exportOnnx,
  importOnnxFile,
  onnxExportStore,
  useImportProgress,
  useOnnxExport,
} from './onnxFlows.ts';
import './exchange.css';
import { HiddenFileInput } from '../components/HiddenFileInput.tsx';
import { Modal } from '../components/Modal.tsx';
import { ExportFooter } from './ExportProblems.tsx';
import { PytorchExportDialog } from './PytorchExportDialog.tsx';
import { usePytorchExport } from './pytorchFlows.ts';
import { useCurrentWeightsLabel, WeightsChoiceField } from '../training/WeightsChoiceField.tsx';

function OnnxExportDialog() {
  const { opset, fp16, busy, problems } = useOnnxExport((s) => s);
  const weights = useCurrentWeightsLabel();
  return (
    <Modal label="Export ONNX" onClose={closeOnnxExport}>
      <h2>Export ONNX</h2>
      <p className="muted" data-testid="export-weights">
        An inference model with {weights}: BatchNorm with running statistics, Dropout removed, a symbolic
        batch dimension.
      </p>
      <div className="onnx-export__options">
        <WeightsChoiceField />
        <label>
          Opset{' '}
          <select
            value={opset}
            onChange={(e) => onnxExportStore.setState({ opset: Number(e.target.value), problems: [] })}
          >
            {[17, 16, 15, 14, 13].map((v) => (
              <option key={v} value={v}>
                {v}
                {v === 17 ? ' (what PyTorch writes)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input
            type="checkbox"
            checked={fp16}
            onChange={(e) => onnxExportStore.setState({ fp16: e.target.checked, problems: [] })}
          />{' '}
          float16 weights
        </label>
      </div>
      <ExportFooter
        problems={problems}
        busy={busy}
        label="Export"
        onCancel={closeOnnxExport}
        onExport={exportOnnx}
      />
    </Modal>
  );
}

/** What an ONNX import changed or left out; stays until dismissed (a toast would vanish unread). */
function ImportNotes({ fileName, notes }: { fileName: string; notes: string[] }) {
  return (
    <aside className="import-notes" role="region" aria-label="Import notes" data-canvas-overlay="">
      <div className="import-notes__head">
        <strong>Imported {fileName}</strong>
        <button type="button" aria-label="Dismiss import notes" onClick={dismissImportNotes}>
          ×
        </button>
      </div>
      <ul>
        {notes.map((n, i) => (
          <li key={i}>{n}</li>
        ))}
      </ul>
    </aside>
  );
}

/** An import under way: the host's phase, a bar, and Cancel (the host ends the job's thread). */
function ImportProgressBar() {
  const progress = useImportProgress();
  if (!progress) return null;
  const percent = progress.fraction === null ? undefined : Math.round(progress.fraction * 100);
  return (
    <div className="import-progress" role="region" aria-label="Import progress" data-canvas-overlay="">
      <span>
        Importing <strong>{progress.fileName}</strong>: {progress.phase}…
      </span>
      <div
        className="progress"
        role="progressbar"
        aria-label="Import progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div className="progress__fill" style={{ width: `${percent ?? 0}%` }} />
      </div>
      <button type="button" onClick={cancelImport}>
        Cancel
      </button>
    </div>
  );
}

export function ExchangeDialogs() {
  const flow = useReactFlow();
  const dialogOpen = useOnnxExport((s) => s.open);
  const importNotes = useOnnxExport((s) => s.importNotes);
  const pytorchOpen = usePytorchExport((s) => s.open);
  useEffect(() => {
    registerFlow(flow);
    return () => registerFlow(null);
  }, [flow]);

  return (
    <>
      <HiddenFileInput
        role="import-onnx"
        accept=".onnx"
        label="Import ONNX file"
        onFile={(f) => void importOnnxFile(f)}
      />
      <ImportProgressBar />
      {dialogOpen && <OnnxExportDialog />}
      {pytorchOpen && <PytorchExportDialog />}
      {importNotes && <ImportNotes {...importNotes} />}
    </>
  );
}
