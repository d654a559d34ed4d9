// File → Export PyTorch project…: what the project holds, which weights go in, and where it goes.
import { useApp } from '../state/appStore.ts';
import { Modal } from '../components/Modal.tsx';
import { ExportFooter } from './ExportProblems.tsx';
import { WeightsChoiceField } from '../training/WeightsChoiceField.tsx';
import {
  closePytorchExport,
  exportPytorch,
  pytorchDestination,
  pytorchWeightsChoice,
  usePytorchExport,
} from './pytorchFlows.ts';

export function PytorchExportDialog() {
  const { busy, problems } = usePytorchExport((s) => s);
  const weights = useApp((s) => pytorchWeightsChoice(s.training, s.doc, s.weightsChoice).text);
  const folder = pytorchDestination() === 'folder';
  return (
    <Modal label="Export PyTorch project" onClose={closePytorchExport}>
      <h2>Export PyTorch project</h2>
      <p className="muted">
        <code>model.py</code> (an <code>nn.Module</code> and <code>load_model()</code>), the weights as{' '}
        <code>weights.safetensors</code>, <code>train.py</code> with the Training panel’s settings as its
        defaults (one GPU, or several with <code>torchrun</code>), a README and <code>requirements.txt</code>.
      </p>
      <p data-testid="pytorch-weights">
        <strong>Weights:</strong> {weights} <WeightsChoiceField />
      </p>
      <p className="muted">
        {folder
          ? 'You choose the folder to write the files into.'
          : 'Your browser downloads the project as a zip.'}
      </p>
      <ExportFooter
        problems={problems}
        busy={busy}
        label={folder ? 'Choose folder…' : 'Download zip'}
        onCancel={closePytorchExport}
        onExport={exportPytorch}
      />
    </Modal>
  );
}
