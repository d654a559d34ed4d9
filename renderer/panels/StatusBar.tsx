// One line of always-visible facts: size of the network, problems, autosave and host state.
import { formatCompact, formatCount } from '../format.ts';
import { selectAnalysis, useApp } from '../state/appStore.ts';

export function StatusBar() {
  const layers = useApp((s) => s.doc.graph.nodes.length);
  const analysis = useApp(selectAnalysis);
  const host = useApp((s) => s.hostStatus);
  const autosave = useApp((s) => s.autosave);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
  const saved =
    autosave.state === 'saved' && autosave.at
      ? `Autosaved ${new Date(autosave.at).toLocaleTimeString()}`
      : autosave.state === 'saving'
        ? 'Autosaving…'
        : autosave.state === 'failed'
          ? `Autosave failed: ${autosave.detail}`
          : '';
  return (
    <footer className="statusbar" role="status" aria-label="Status">
      <span>{layers} layers</span>
      <span data-testid="status-params">{formatCount(analysis.totals.params)} params</span>
      <span>{formatCompact(analysis.totals.macs)} MACs</span>
      <span className={errors ? 'danger' : 'ok'}>
        {errors ? `${errors} problem${errors === 1 ? '' : 's'}` : 'no problems'}
      </span>
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
