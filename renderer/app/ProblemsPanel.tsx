// Every problem analysis found, errors first, each naming its layer: a click goes to that layer
// (expanding the block it hides in). Opened from View → Problems or the status bar's count.
import type { Diagnostic } from '../../engine/index.ts';
import { goToNode } from '../canvas/goTo.ts';
import { OVERLAY_ATTRIBUTE } from '../canvas/viewport.ts';
import { appStore, selectAnalysis, useApp } from '../state/appStore.ts';
import { nodeOf } from '../state/graphIndex.ts';

const bySeverity = (a: Diagnostic, b: Diagnostic) =>
  (a.severity === 'error' ? 0 : 1) - (b.severity === 'error' ? 0 : 1);

export function ProblemsPanel() {
  const open = useApp((s) => s.problemsOpen);
  const analysis = useApp(selectAnalysis);
  const graph = useApp((s) => s.doc.graph);
  if (!open) return null;
  const problems = [...analysis.diagnostics].sort(bySeverity);
  const errors = problems.filter((d) => d.severity === 'error').length;
  const overlay = { [OVERLAY_ATTRIBUTE]: '' };
  return (
    <section className="problems" role="region" aria-label="Problems" {...overlay}>
      <header className="problems__header">
        <h3>
          Problems{' '}
          <span className="muted">
            {errors} error{errors === 1 ? '' : 's'}, {problems.length - errors} warning
            {problems.length - errors === 1 ? '' : 's'}
          </span>
        </h3>
        <button
          type="button"
          className="link-button"
          onClick={() => appStore.getState().actions.setProblemsOpen(false)}
        >
          Close
        </button>
      </header>
      {problems.length === 0 ? (
        <p className="muted">No problems: every layer has a shape.</p>
      ) : (
        <ol className="problems__list">
          {problems.map((d, i) => {
            const node = d.nodeId ? nodeOf(graph, d.nodeId) : undefined;
            return (
              <li key={i} data-severity={d.severity}>
                {node ? (
                  <button
                    type="button"
                    className="problems__link"
                    aria-label={`${d.severity} at ${node.name}: ${d.message}`}
                    onClick={() => void goToNode(node.id)}
                  >
                    <span className="problems__where">{node.name}</span>
                    <span>{d.message}</span>
                  </button>
                ) : (
                  <span className="problems__link">{d.message}</span>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
