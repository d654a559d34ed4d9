// The top bar: document commands, edit commands, overlays and view toggles. Every button runs
// the same command as its keyboard shortcut and menu item.
import type { AppCommand } from '../../protocol/commands.ts';
import { runCommand } from '../app/commands.ts';
import type { Overlay } from '../state/store.ts';
import { appStore, useApp } from '../state/appStore.ts';
import { TrainingToggles } from './TrainingToggles.tsx';
import { ExchangeButtons, GroupButtons } from './ExchangeButtons.tsx';

const OVERLAYS: { key: Overlay; label: string; title: string }[] = [
  { key: 'shape', label: 'Shapes', title: 'Output shapes on nodes and edges' },
  { key: 'params', label: 'Params', title: 'Parameter counts' },
  { key: 'macs', label: 'MACs', title: 'Multiply-accumulates per sample (FLOPs = 2 × MACs)' },
  { key: 'rf', label: 'RF', title: 'Receptive field: size / effective stride @ start offset' },
];

function CommandButton({
  command,
  label,
  title,
  disabled,
}: {
  command: AppCommand;
  label: string;
  title: string;
  disabled?: boolean;
}) {
  return (
    <button type="button" title={title} disabled={disabled} onClick={() => runCommand(command)}>
      {label}
    </button>
  );
}

export function Toolbar() {
  const name = useApp((s) => s.doc.name);
  const canUndo = useApp((s) => s.history.past.length > 0);
  const canRedo = useApp((s) => s.history.future.length > 0);
  const selected = useApp((s) => s.selection.nodes.length);
  const overlays = useApp((s) => s.overlays);
  const summaryOpen = useApp((s) => s.summaryOpen);
  const theme = useApp((s) => s.theme);
  const presentation = useApp((s) => s.presentation);
  const hasHost = useApp((s) => s.host !== null);
  const actions = appStore.getState().actions;

  return (
    <header className="toolbar" role="toolbar" aria-label="Main toolbar">
      <span className="toolbar__brand">Netwright</span>
      <input
        className="toolbar__name"
        aria-label="Project name"
        value={name}
        onChange={(e) => actions.setDocName(e.target.value)}
      />
      <div className="toolbar__group">
        <CommandButton command="new" label="New" title="New empty network (Ctrl+N)" />
        <CommandButton
          command="templates"
          label="Templates"
          title="New from a template (Ctrl+Shift+N)"
          disabled={!hasHost}
        />
        <CommandButton command="open" label="Open" title="Open a .netwright.json file (Ctrl+O)" />
        <CommandButton command="save" label="Save" title="Download as .netwright.json (Ctrl+S)" />
      </div>
      <ExchangeButtons />
      <div className="toolbar__group">
        <CommandButton command="undo" label="Undo" title="Undo (Ctrl+Z)" disabled={!canUndo} />
        <CommandButton command="redo" label="Redo" title="Redo (Ctrl+Shift+Z)" disabled={!canRedo} />
        <CommandButton
          command="duplicate"
          label="Duplicate"
          title="Duplicate selection (Ctrl+D)"
          disabled={!selected}
        />
        <CommandButton
          command="delete"
          label="Delete"
          title="Delete selection (Delete)"
          disabled={!selected}
        />
        <CommandButton command="autoLayout" label="Auto layout" title="Arrange the graph top-down (Ctrl+L)" />
      </div>
      <GroupButtons />
      <div className="toolbar__group" role="group" aria-label="Overlays">
        {OVERLAYS.map((o) => (
          <button
            key={o.key}
            type="button"
            className="toggle"
            aria-pressed={overlays[o.key]}
            title={o.title}
            onClick={() => actions.toggleOverlay(o.key)}
          >
            {o.label}
          </button>
        ))}
      </div>
      <div className="toolbar__group toolbar__end">
        <TrainingToggles />
        <button
          type="button"
          className="toggle"
          aria-pressed={summaryOpen}
          title="Summary table (Ctrl+I)"
          onClick={() => actions.setSummaryOpen(!summaryOpen)}
        >
          Summary
        </button>
        <button type="button" title="Switch between dark and light" onClick={() => actions.toggleTheme()}>
          {theme === 'dark' ? 'Light theme' : 'Dark theme'}
        </button>
        <button
          type="button"
          className="toggle"
          aria-pressed={presentation}
          title="Presentation: larger type and thicker lines for a projector (Ctrl+Shift+P)"
          onClick={() => actions.togglePresentation()}
        >
          Presentation
        </button>
      </div>
    </header>
  );
}
