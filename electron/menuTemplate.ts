// The application menu as data: each custom item sends one named command to the renderer, which
// runs the same action as its toolbar button and keyboard shortcut.
import type { MenuItemConstructorOptions } from 'electron';
import type { AppCommand } from '../protocol/commands.ts';

export type MenuCommand = AppCommand;

export function buildMenuTemplate(
  send: (command: MenuCommand) => void,
  platform: string,
): MenuItemConstructorOptions[] {
  const item = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    accelerator,
    click: () => send(command),
  });
  const mac = platform === 'darwin';
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        item('New', 'new', 'CmdOrCtrl+N'),
        item('New from Template…', 'templates', 'CmdOrCtrl+Shift+N'),
        item('Open…', 'open', 'CmdOrCtrl+O'),
        item('Save', 'save', 'CmdOrCtrl+S'),
        { type: 'separator' },
        item('Import ONNX…', 'importOnnx'),
        item('Export ONNX…', 'exportOnnx'),
        item('Export Picture as PNG', 'exportPng'),
        item('Export Picture as SVG', 'exportSvg'),
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        item('Undo', 'undo', 'CmdOrCtrl+Z'),
        item('Redo', 'redo', 'CmdOrCtrl+Shift+Z'),
        { type: 'separator' },
        item('Copy', 'copy', 'CmdOrCtrl+C'),
        item('Paste', 'paste', 'CmdOrCtrl+V'),
        item('Duplicate', 'duplicate', 'CmdOrCtrl+D'),
        item('Delete', 'delete', 'Delete'),
        item('Select All', 'selectAll', 'CmdOrCtrl+A'),
        { type: 'separator' },
        item('Group into Block', 'group', 'CmdOrCtrl+G'),
        item('Ungroup', 'ungroup', 'CmdOrCtrl+Shift+G'),
      ],
    },
    {
      label: 'View',
      submenu: [
        item('Auto Layout', 'autoLayout', 'CmdOrCtrl+L'),
        item('Zoom to Fit', 'fitView', 'CmdOrCtrl+0'),
        item('Summary', 'toggleSummary', 'CmdOrCtrl+I'),
        item('Dark/Light Theme', 'toggleTheme', 'CmdOrCtrl+Shift+T'),
        item('Presentation Mode', 'togglePresentation', 'CmdOrCtrl+Shift+P'),
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
  ];
}
