// The application menu as data: each custom item sends one named command to the renderer, which
// runs the same action as its toolbar button and keyboard shortcut. Menus, labels and keys come
// from protocol/commandMenus.ts, the list the toolbar's menus are built from as well.
import type { MenuItemConstructorOptions } from 'electron';
import type { AppCommand } from '../protocol/commands.ts';
import { acceleratorOf, commandMenus, type MenuEntry } from '../protocol/commandMenus.ts';

export type MenuCommand = AppCommand;

export function buildMenuTemplate(
  send: (command: MenuCommand) => void,
  platform: string,
): MenuItemConstructorOptions[] {
  const item = (entry: MenuEntry): MenuItemConstructorOptions[] => {
    if (entry.kind === 'separator') return [{ type: 'separator' }];
    // Overlay switches show state the main process doesn't have; they stay on the toolbar.
    if (entry.kind === 'overlay') return [];
    return [
      {
        label: entry.label,
        accelerator: entry.shortcut && acceleratorOf(entry.shortcut),
        click: () => send(entry.command),
      },
    ];
  };
  const submenu = (entries: MenuEntry[]): MenuItemConstructorOptions[] => {
    const items = entries.flatMap(item);
    // Dropping overlay items can leave a separator first; Electron would draw it.
    while (items[0]?.type === 'separator') items.shift();
    return items;
  };
  const mac = platform === 'darwin';
  const extra: Record<string, MenuItemConstructorOptions[]> = {
    File: [{ type: 'separator' }, mac ? { role: 'close' } : { role: 'quit' }],
    View: [{ type: 'separator' }, { role: 'togglefullscreen' }],
  };
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    ...commandMenus.map((m) => ({
      label: m.label,
      submenu: [...submenu(m.items), ...(extra[m.label] ?? [])],
    })),
  ];
}
