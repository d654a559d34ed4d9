// Transient messages (an edit that was refused, a file that could not be opened).
import { useEffect } from 'react';
import { appStore, useApp } from '../state/appStore.ts';

export function NoticeToast() {
  const notice = useApp((s) => s.notice);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(
      () => appStore.getState().actions.dismissNotice(),
      notice.kind === 'error' ? 9000 : 3000,
    );
    return () => clearTimeout(timer);
  }, [notice]);
  if (!notice) return null;
  return (
    <div className="toast" data-kind={notice.kind} role={notice.kind === 'error' ? 'alert' : 'status'}>
      <span>{notice.text}</span>
      <button type="button" aria-label="Dismiss" onClick={() => appStore.getState().actions.dismissNotice()}>
        ×
      </button>
    </div>
  );
}
