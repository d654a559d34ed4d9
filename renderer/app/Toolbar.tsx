// The top bar, one row even on a 1280 px projector: File/Edit/View menus for every command, and
// as buttons only what a class reaches for all the time (templates, undo/redo, the overlays, the
// lesson, training, the summary). Menus and buttons run the same commands as the shortcuts and
// the Electron menu, all named in protocol/commandMenus.ts.
import type { AppCommand } from '../../protocol/commands.ts';
import { commandMenus, toolbarButtons, type OverlayItem } from '../../protocol/commandMenus.ts';
import { runCommand } from './commands.ts';
import { MenuBar } from '../components/Menu.tsx';
import { appStore, useApp } from '../state/appStore.ts';
import { ExchangeDialogs } from './ExchangeDialogs.tsx';
import { TrainingToggles } from './TrainingToggles.tsx';
import {
  buttonLabel,
  buttonTitle,
  isChecked,
  isDisabled,
  toolbarMenus,
  type ToolbarHandlers,
  type ToolbarState,
} from './toolbarMenus.ts';

const overlayItems = commandMenus
  .flatMap((m) => m.items)
  .filter((i): i is OverlayItem => i.kind === 'overlay' && toolbarButtons.overlays.includes(i.overlay));

function useToolbarState(): ToolbarState {
  return {
    canUndo: useApp((s) => s.history.past.length > 0),
    canRedo: useApp((s) => s.history.future.length > 0),
    selected: useApp((s) => s.selection.nodes.length),
    hasGroups: useApp((s) => (s.doc.groups?.length ?? 0) > 0),
    hasHost: useApp((s) => s.host !== null),
    empty: useApp((s) => s.doc.graph.nodes.length === 0),
    overlays: useApp((s) => s.overlays),
    summaryOpen: useApp((s) => s.summaryOpen),
    problemsOpen: useApp((s) => s.problemsOpen),
    direction: useApp((s) => s.doc.layout?.direction ?? 'TB'),
    theme: useApp((s) => s.theme),
    presentation: useApp((s) => s.presentation),
  };
}

function CommandButton({ command, state }: { command: AppCommand; state: ToolbarState }) {
  const checked = isChecked(command, state);
  return (
    <button
      type="button"
      className={checked === undefined ? undefined : 'toggle'}
      aria-pressed={checked}
      title={buttonTitle(command)}
      disabled={isDisabled(command, state)}
      onClick={() => runCommand(command)}
    >
      {buttonLabel(command)}
    </button>
  );
}

export function Toolbar() {
  const name = useApp((s) => s.doc.name);
  const state = useToolbarState();
  const actions = appStore.getState().actions;
  const handlers: ToolbarHandlers = { run: runCommand, toggleOverlay: (o) => actions.toggleOverlay(o) };

  return (
    <header className="toolbar" role="toolbar" aria-label="Main toolbar">
      <span className="toolbar__brand">Netwright</span>
      <MenuBar label="Menus" menus={toolbarMenus(state, handlers)} />
      <input
        className="toolbar__name"
        aria-label="Project name"
        title="Project name (used for file names)"
        value={name}
        onChange={(e) => actions.setDocName(e.target.value)}
      />
      <div className="toolbar__group">
        {toolbarButtons.start.map((c) => (
          <CommandButton key={c} command={c} state={state} />
        ))}
      </div>
      <div className="toolbar__group" role="group" aria-label="Overlays">
        {overlayItems.map((o) => (
          <button
            key={o.overlay}
            type="button"
            className="toggle"
            aria-pressed={state.overlays[o.overlay]}
            title={o.title}
            onClick={() => actions.toggleOverlay(o.overlay)}
          >
            {o.label}
          </button>
        ))}
      </div>
      <div className="toolbar__group toolbar__end">
        <TrainingToggles />
        {toolbarButtons.end.map((c) => (
          <CommandButton key={c} command={c} state={state} />
        ))}
      </div>
      <ExchangeDialogs />
    </header>
  );
}
