// The one list of menus: which command sits in which menu, under what name and with which
// shortcut. The Electron application menu and the toolbar's File/Edit/View menus are both built
// from it, so a command added here shows up in both with the same label and key.
import type { AppCommand } from './commands.ts';

/** Overlay keys as the renderer's store names them (shapes, params, MACs, receptive fields). */
export type OverlayKey = 'shape' | 'params' | 'macs' | 'rf';

export interface CommandItem {
  kind: 'command';
  command: AppCommand;
  label: string;
  /** Shown in menus, e.g. 'Ctrl+Shift+N'; renderer/app/shortcuts.ts handles the same keys. */
  shortcut?: string;
  /**
   * The shortcut works only in the desktop app: the Electron menu registers it, but a browser
   * keeps the key for itself (Ctrl+0 resets zoom, Ctrl+Shift+T reopens a tab), so the page's
   * menus don't promise it.
   */
  desktopOnly?: boolean;
  /** A toggle: the toolbar shows it as a checkable item. */
  checkable?: boolean;
  title?: string;
}

/** Overlay switches live only in the page (the Electron menu has no state to show them). */
export interface OverlayItem {
  kind: 'overlay';
  overlay: OverlayKey;
  label: string;
  title: string;
}

export type MenuEntry = CommandItem | OverlayItem | { kind: 'separator' };

export interface MenuModel {
  label: 'File' | 'Edit' | 'View' | 'Help';
  items: MenuEntry[];
}

const command = (
  cmd: AppCommand,
  label: string,
  shortcut?: string,
  extra: Partial<Omit<CommandItem, 'kind' | 'command' | 'label' | 'shortcut'>> = {},
): CommandItem => ({ kind: 'command', command: cmd, label, shortcut, ...extra });
const overlay = (key: OverlayKey, label: string, title: string): OverlayItem => ({
  kind: 'overlay',
  overlay: key,
  label,
  title,
});
const separator = { kind: 'separator' } as const;

export const commandMenus: MenuModel[] = [
  {
    label: 'File',
    items: [
      command('new', 'New', 'Ctrl+N', { title: 'New empty network' }),
      command('templates', 'Templates…', 'Ctrl+Shift+N', { title: 'New from a template or a lesson' }),
      command('open', 'Open…', 'Ctrl+O', { title: 'Open a .netwright.json file' }),
      command('save', 'Save', 'Ctrl+S', { title: 'Save as a .netwright file (the graph and its weights)' }),
      separator,
      command('importOnnx', 'Import ONNX…', undefined, {
        title: 'Open an .onnx file as an editable network',
      }),
      command('exportOnnx', 'Export ONNX…', undefined, { title: 'The network as an .onnx inference model' }),
      command('exportPytorch', 'Export PyTorch project…', undefined, {
        title: 'model.py, the weights and a train.py that trains it on GPUs (torchrun/DDP)',
      }),
      command('exportPng', 'Export PNG', undefined, { title: 'A PNG picture of the canvas' }),
      command('exportSvg', 'Export SVG', undefined, { title: 'An SVG picture of the canvas' }),
    ],
  },
  {
    label: 'Edit',
    items: [
      command('undo', 'Undo', 'Ctrl+Z'),
      command('redo', 'Redo', 'Ctrl+Shift+Z'),
      separator,
      command('copy', 'Copy', 'Ctrl+C'),
      command('paste', 'Paste', 'Ctrl+V'),
      command('duplicate', 'Duplicate', 'Ctrl+D'),
      command('delete', 'Delete', 'Delete'),
      command('selectAll', 'Select all', 'Ctrl+A'),
      separator,
      command('find', 'Find layer…', 'Ctrl+F', { title: 'Find layers by name, type or ONNX operator' }),
      separator,
      command('group', 'Group into block', 'Ctrl+G', {
        title: 'Group the selected layers into a collapsible block',
      }),
      command('ungroup', 'Ungroup', 'Ctrl+Shift+G', { title: 'Dissolve the selected block' }),
      command('groupRepeats', 'Group repeated blocks', undefined, {
        title:
          'Find runs of repeated blocks (residual, Inception, dense), else the stages of a long chain (VGG), and group each',
      }),
      command('autoLayout', 'Auto layout', 'Ctrl+L', { title: 'Arrange the graph in its layout direction' }),
    ],
  },
  {
    label: 'View',
    items: [
      overlay('shape', 'Shapes', 'Output shapes on nodes and edges'),
      overlay('params', 'Params', 'Parameter counts'),
      overlay('macs', 'MACs', 'Multiply-accumulates per sample (FLOPs = 2 × MACs)'),
      overlay('rf', 'RF', 'Receptive field: size / effective stride @ start offset'),
      separator,
      command('toggleSummary', 'Summary', 'Ctrl+I', { checkable: true, title: 'Summary table' }),
      command('toggleProblems', 'Problems', undefined, {
        checkable: true,
        title: 'Every problem analysis found; click one to go to its layer',
      }),
      command('fitView', 'Zoom to fit', 'Ctrl+0', { desktopOnly: true }),
      separator,
      command('layoutDown', 'Top to bottom', undefined, {
        checkable: true,
        title: 'Lay the graph out downwards, inputs at the top',
      }),
      command('layoutRight', 'Left to right', undefined, {
        checkable: true,
        title: 'Lay the graph out to the right, inputs on the left: long networks fit a wide screen',
      }),
      command('expandAll', 'Expand all blocks', undefined, { title: 'Show the layers of every block' }),
      command('collapseAll', 'Collapse all blocks', undefined, { title: 'Show every block as one card' }),
      separator,
      command('toggleTheme', 'Dark theme', 'Ctrl+Shift+T', { checkable: true, desktopOnly: true }),
      command('togglePresentation', 'Presentation', 'Ctrl+Shift+P', {
        checkable: true,
        title: 'Larger type and thicker lines for a projector',
      }),
    ],
  },
  {
    label: 'Help',
    items: [command('shortcuts', 'Keyboard shortcuts', 'Ctrl+/', { title: 'Every key the app answers to' })],
  },
];

/** What stays a button on the toolbar because a class reaches for it all the time. */
export const toolbarButtons: { start: AppCommand[]; overlays: OverlayKey[]; end: AppCommand[] } = {
  start: ['templates', 'undo', 'redo'],
  overlays: ['shape', 'params', 'macs', 'rf'],
  end: ['toggleSummary'],
};

export function commandItems(): CommandItem[] {
  return commandMenus.flatMap((m) => m.items.filter((i): i is CommandItem => i.kind === 'command'));
}

export function commandItem(cmd: AppCommand): CommandItem {
  const found = commandItems().find((i) => i.command === cmd);
  if (!found) throw new Error(`Command "${cmd}" is in no menu of protocol/commandMenus.ts; add it there.`);
  return found;
}

/** 'Ctrl+Shift+N' -> Electron's 'CmdOrCtrl+Shift+N' (Command on a Mac). */
export function acceleratorOf(shortcut: string): string {
  return shortcut.replace(/^Ctrl\+/, 'CmdOrCtrl+');
}

/** The shortcut a page menu may promise, or undefined where only the desktop app has it. */
export function pageShortcut(item: CommandItem): string | undefined {
  return item.desktopOnly ? undefined : item.shortcut;
}
