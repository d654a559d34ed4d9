// Offered once at start when the host holds an autosave from an earlier session.
import { acceptRecovery, discardRecovery } from './autosave.ts';
import { appStore, useApp } from '../state/appStore.ts';

export function RecoveryBanner() {
  const recovery = useApp((s) => s.recovery);
  if (!recovery) return null;
  const when = new Date(recovery.savedAt).toLocaleString();
  return (
    <div className="banner" role="region" aria-label="Recovery">
      <span>Unsaved work from {when} was kept. Recover it?</span>
      <button type="button" onClick={() => void acceptRecovery(appStore)}>
        Recover
      </button>
      <button type="button" onClick={() => void discardRecovery(appStore)}>
        Discard
      </button>
    </div>
  );
}
