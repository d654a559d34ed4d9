// The question confirmReplace asks: the open network has unsaved changes and something is about
// to replace it.
import { Modal } from '../components/Modal.tsx';
import { useApp } from '../state/appStore.ts';
import { saveProject } from './documentFlows.ts';
import { answerReplace, usePendingReplace } from './replaceGuard.ts';

export function ReplaceDialog() {
  const pending = usePendingReplace();
  const name = useApp((s) => s.doc.name);
  if (!pending) return null;
  return (
    <Modal label="Unsaved changes" onClose={() => answerReplace('cancel')}>
      <h2>Unsaved changes</h2>
      <p>
        “{name}” has changes that are not saved in a file. {pending.what} would replace it (Undo brings it
        back only until the page is closed).
      </p>
      <div className="button-row">
        <button
          type="button"
          onClick={() => {
            void saveProject();
            answerReplace('replace');
          }}
        >
          Save, then continue
        </button>
        <button type="button" className="danger-button" onClick={() => answerReplace('replace')}>
          Discard changes
        </button>
        <button type="button" autoFocus onClick={() => answerReplace('cancel')}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
