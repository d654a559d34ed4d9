// Toolbar groups for blocks (group / ungroup) and for exchanging the network with other tools:
// ONNX import and export, and pictures of the canvas (PNG, SVG).
import { useReactFlow } from '@xyflow/react';
import { useEffect } from 'react';
import { runCommand } from '../app/commands.ts';
import { registerFlow } from '../app/imageExport.ts';
import {
  closeOnnxExport,
  dismissImportNotes,
  exportOnnx,
  importOnnxFile,
  onnxExportStore,
  useOnnxExport,
} from '../app/onnxFlows.ts';
import { useApp } from '../state/appStore.ts';
import './exchange.css';
import { HiddenFileInput } from '../components/HiddenFileInput.tsx';
import { Modal } from '../components/Modal.tsx';

export function GroupButtons() {
  const selected = useApp((s) => s.selection.nodes.length);
  const hasGroups = useApp((s) => (s.doc.groups?.length ?? 0) > 0);
  return (
    <div className="toolbar__group" role="group" aria-label="Blocks">
      <button
        type="button"
        title="Group the selected layers into a collapsible block (Ctrl+G)"
        disabled={!selected}
        onClick={() => runCommand('group')}
      >
        Group
      </button>
      <button
        type="button"
        title="Dissolve the selected block (Ctrl+Shift+G)"
        disabled={!selected || !hasGroups}
        onClick={() => runCommand('ungroup')}
      >
        Ungroup
      </button>
    </div>
  );
}

function OnnxExportDialog() {
  const { opset, fp16, busy, problems } = useOnnxExport((s) => s);
  return (
    <Modal label="Export ONNX" onClose={closeOnnxExport}>
      <h2>Export ONNX</h2>
      <p className="muted">
        An inference model with the current weights: BatchNorm with running statistics, Dropout removed, a
        symbolic batch dimension.
      </p>
      <div className="onnx-export__options">
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
      {problems.length > 0 && (
        <div className="onnx-export__problems" role="alert" aria-label="Export problems">
          <p>The model can’t be exported yet:</p>
          <ul>
            {problems.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      <div className="button-row">
        <button type="button" onClick={closeOnnxExport}>
          Cancel
        </button>
        <button type="button" disabled={busy} onClick={() => void exportOnnx()} autoFocus>
          {busy ? 'Exporting…' : 'Export'}
        </button>
      </div>
    </Modal>
  );
}

/** What an ONNX import changed or left out; stays until dismissed (a toast would vanish unread). */
function ImportNotes({ fileName, notes }: { fileName: string; notes: string[] }) {
  return (
    <aside className="import-notes" role="region" aria-label="Import notes">
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

export function ExchangeButtons() {
  const flow = useReactFlow();
  const hasHost = useApp((s) => s.host !== null);
  const empty = useApp((s) => s.doc.graph.nodes.length === 0);
  const dialogOpen = useOnnxExport((s) => s.open);
  const importNotes = useOnnxExport((s) => s.importNotes);
  useEffect(() => {
    registerFlow(flow);
    return () => registerFlow(null);
  }, [flow]);

  return (
    <div className="toolbar__group" role="group" aria-label="Import and export">
      <button
        type="button"
        title="Open an .onnx file as an editable network"
        disabled={!hasHost}
        onClick={() => runCommand('importOnnx')}
      >
        Import ONNX
      </button>
      <button
        type="button"
        title="Download the network as an .onnx inference model"
        disabled={!hasHost || empty}
        onClick={() => runCommand('exportOnnx')}
      >
        Export ONNX
      </button>
      <button
        type="button"
        title="Download a PNG picture of the canvas"
        disabled={empty}
        onClick={() => runCommand('exportPng')}
      >
        PNG
      </button>
      <button
        type="button"
        title="Download an SVG picture of the canvas"
        disabled={empty}
        onClick={() => runCommand('exportSvg')}
      >
        SVG
      </button>
      <HiddenFileInput
        role="import-onnx"
        accept=".onnx"
        label="Import ONNX file"
        onFile={(f) => void importOnnxFile(f)}
      />
      {dialogOpen && <OnnxExportDialog />}
      {importNotes && <ImportNotes {...importNotes} />}
    </div>
  );
}
