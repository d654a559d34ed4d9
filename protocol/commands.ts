// App commands that can arrive from outside the page (the Electron menu) as well as from the
// toolbar and keyboard. The renderer runs each one; the menu only names it.
export const appCommands = [
  'new',
  'templates',
  'open',
  'save',
  'undo',
  'redo',
  'copy',
  'paste',
  'duplicate',
  'delete',
  'selectAll',
  'autoLayout',
  'layoutDown',
  'layoutRight',
  'groupRepeats',
  'expandAll',
  'collapseAll',
  'find',
  'toggleProblems',
  'shortcuts',
  'fitView',
  'toggleSummary',
  'toggleTheme',
  'togglePresentation',
  'group',
  'ungroup',
  'importOnnx',
  'exportOnnx',
  'exportPytorch',
  'exportPng',
  'exportSvg',
] as const;
export type AppCommand = (typeof appCommands)[number];

export function isAppCommand(x: unknown): x is AppCommand {
  return typeof x === 'string' && (appCommands as readonly string[]).includes(x);
}
