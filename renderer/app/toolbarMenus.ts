// The toolbar's File/Edit/View menus and its few buttons, from protocol/commandMenus.ts plus the
// app's state: which items are disabled right now and which toggles are on. Pure, so the unit
// test can check it without a page.
import type { AppCommand } from '../../protocol/commands.ts';
import {
  commandItem,
  commandMenus,
  pageShortcut,
  type CommandItem,
  type OverlayItem,
  type OverlayKey,
} from '../../protocol/commandMenus.ts';
import type { MenuAction, MenuSpec } from '../components/Menu.tsx';

export interface ToolbarState {
  canUndo: boolean;
  canRedo: boolean;
  selected: number;
  hasGroups: boolean;
  hasHost: boolean;
  empty: boolean;
  overlays: Record<OverlayKey, boolean>;
  summaryOpen: boolean;
  problemsOpen: boolean;
  direction: 'TB' | 'LR';
  theme: 'light' | 'dark';
  presentation: boolean;
}

export interface ToolbarHandlers {
  run: (command: AppCommand) => void;
  toggleOverlay: (overlay: OverlayKey) => void;
}

/** Why a command can't run now (the old toolbar disabled the same buttons). */
export function isDisabled(command: AppCommand, s: ToolbarState): boolean {
  switch (command) {
    case 'templates':
    case 'importOnnx':
      return !s.hasHost; // both read files through the host
    case 'exportOnnx':
    case 'exportPytorch':
      return !s.hasHost || s.empty;
    case 'exportPng':
    case 'exportSvg':
      return s.empty;
    case 'undo':
      return !s.canUndo;
    case 'redo':
      return !s.canRedo;
    case 'duplicate':
    case 'delete':
    case 'group':
      return s.selected === 0;
    case 'ungroup':
      return s.selected === 0 || !s.hasGroups;
    case 'expandAll':
    case 'collapseAll':
      return !s.hasGroups;
    case 'find':
    case 'groupRepeats':
    case 'autoLayout':
      return s.empty;
    default:
      return false;
  }
}

/** On/off for the checkable commands; undefined for plain ones. */
export function isChecked(command: AppCommand, s: ToolbarState): boolean | undefined {
  switch (command) {
    case 'toggleSummary':
      return s.summaryOpen;
    case 'toggleProblems':
      return s.problemsOpen;
    case 'layoutDown':
      return s.direction === 'TB';
    case 'layoutRight':
      return s.direction === 'LR';
    case 'toggleTheme':
      return s.theme === 'dark';
    case 'togglePresentation':
      return s.presentation;
    default:
      return undefined;
  }
}

function commandAction(item: CommandItem, s: ToolbarState, h: ToolbarHandlers): MenuAction {
  return {
    kind: 'item',
    id: item.command,
    label: item.label,
    shortcut: pageShortcut(item),
    title: item.title,
    disabled: isDisabled(item.command, s),
    checked: item.checkable ? isChecked(item.command, s) : undefined,
    onSelect: () => h.run(item.command),
  };
}

function overlayAction(item: OverlayItem, s: ToolbarState, h: ToolbarHandlers): MenuAction {
  return {
    kind: 'item',
    id: `overlay-${item.overlay}`,
    label: item.label,
    title: item.title,
    checked: s.overlays[item.overlay],
    onSelect: () => h.toggleOverlay(item.overlay),
  };
}

export function toolbarMenus(s: ToolbarState, h: ToolbarHandlers): MenuSpec[] {
  return commandMenus.map((menu) => ({
    label: menu.label,
    rows: menu.items.map((item, i) =>
      item.kind === 'separator'
        ? { kind: 'separator' as const, id: `sep-${i}` }
        : item.kind === 'overlay'
          ? overlayAction(item, s, h)
          : commandAction(item, s, h),
    ),
  }));
}

/** A toolbar button's tooltip: what it does and its key, e.g. 'Undo (Ctrl+Z)'. */
export function buttonTitle(command: AppCommand): string {
  const item = commandItem(command);
  const what = item.title ?? item.label.replace(/…$/, '');
  const key = pageShortcut(item);
  return key ? `${what} (${key})` : what;
}

/** A button's visible name: the menu label without the dots that promise a dialog. */
export function buttonLabel(command: AppCommand): string {
  return commandItem(command).label.replace(/…$/, '');
}
