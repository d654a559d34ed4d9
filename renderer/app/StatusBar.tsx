// One line of always-visible facts: size of the network, problems, autosave and host state.
import { formatCompact, formatCount } from '../components/format.ts';
import { appStore, selectAnalysis, useApp } from '../state/appStore.ts';
import { useHidden } from '../lessons/GuessField.tsx';
import { totalShown } from '../lessons/predict.ts';
import { useRevealed } from '../lessons/reveals.ts';

const HIDDEN_TITLE = 'Hidden by the lesson until you reveal every layer’s answer in the inspector.';

export function StatusBar() {
  const layers = useApp((s) => s.doc.graph.nodes.length);
  const analysis = useApp(selectAnalysis);
  const host = useApp((s) => s.hostStatus);
  const autosave = useApp((s) => s.autosave);
  const problemsOpen = useApp((s) => s.problemsOpen);
  const hidden = useHidden();
  const revealed = useRevealed();
  const show = (q: 'params' | 'macs') => totalShown(q, hidden, revealed, analysis.nodes);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
  const saved =
    autosave.state === 'saved' && autosave.at
      ? `Autosaved ${new Date(autosave.at).toLocaleTimeString()}${autosave.detail ? ` (${autosave.detail})` : ''}`
      : autosave.state === 'saving'
        ? 'Autosaving…'
        : autosave.state === 'failed'
          ? `Autosave failed: ${autosave.detail}`
          : '';
  return (
    <footer className="statusbar" role="status" aria-label="Status">
      <span>{layers} layers</span>
      <span data-testid="status-params" title={show('params') ? undefined : HIDDEN_TITLE}>
        {show('params') ? formatCount(analysis.totals.params) : '?'} params
      </span>
      <span data-testid="status-macs" title={show('macs') ? undefined : HIDDEN_TITLE}>
        {show('macs') ? formatCompact(analysis.totals.macs) : '?'} MACs
      </span>
      <button
        type="button"
        className={`statusbar__problems ${errors ? 'danger' : 'ok'}`}
        aria-pressed={problemsOpen}
        title="List every problem; click one to go to its layer"
        onClick={() => appStore.getState().actions.setProblemsOpen(!problemsOpen)}
      >
        {errors ? `${errors} problem${errors === 1 ? '' : 's'}` : 'no problems'}
      </button>
      <span className="statusbar__end">{saved}</span>
      <span data-host={host.state} title={host.detail}>
        {host.state === 'connected'
          ? 'host connected'
          : host.state === 'connecting'
            ? 'connecting…'
            : 'host offline'}
      </span>
    </footer>
  );
}
