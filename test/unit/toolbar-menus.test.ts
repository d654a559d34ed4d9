// The menu model behind the toolbar's File/Edit/View menus and the Electron menu: every command
// sits in one menu, each shortcut a menu shows is the one renderer/app/shortcuts.ts handles, and
// nothing the old one-button-per-command toolbar offered became unreachable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildMenuTemplate } from '../../electron/menuTemplate.ts';
import { appCommands, type AppCommand } from '../../protocol/commands.ts';
import { commandItems, commandMenus, pageShortcut, toolbarButtons } from '../../protocol/commandMenus.ts';
import { commandForKey, type KeyPress } from '../../renderer/app/shortcuts.ts';
import type { MenuAction } from '../../renderer/components/Menu.tsx';
import { shortcutText } from '../../renderer/components/shortcutText.ts';
import { buttonTitle, toolbarMenus, type ToolbarState } from '../../renderer/app/toolbarMenus.ts';

/** What the toolbar offered before the menus (git 50affb2, renderer/panels/Toolbar.tsx). */
const OLD_TOOLBAR_COMMANDS: AppCommand[] = [
  'new',
  'templates',
  'open',
  'save',
  'importOnnx',
  'exportOnnx',
  'exportPng',
  'exportSvg',
  'undo',
  'redo',
  'duplicate',
  'delete',
  'autoLayout',
  'group',
  'ungroup',
  'toggleSummary',
  'toggleTheme',
  'togglePresentation',
];
const OLD_TOOLBAR_OVERLAYS = ['shape', 'params', 'macs', 'rf'];

const idle: ToolbarState = {
  canUndo: false,
  canRedo: false,
  selected: 0,
  hasGroups: false,
  hasHost: true,
  empty: false,
  overlays: { shape: true, params: true, macs: true, rf: true },
  summaryOpen: false,
  problemsOpen: false,
  direction: 'TB',
  theme: 'light',
  presentation: false,
};

function menusFor(state: ToolbarState) {
  const ran: string[] = [];
  const menus = toolbarMenus(state, {
    run: (c) => ran.push(c),
    toggleOverlay: (o) => ran.push(`overlay:${o}`),
  });
  const items = menus.flatMap((m) =>
    m.rows.filter((r): r is MenuAction => r.kind === 'item').map((r) => ({ menu: m.label, ...r })),
  );
  return { menus, items, ran };
}

/** 'Ctrl+Shift+N' as the key event a person produces for it. */
function press(shortcut: string): KeyPress {
  const parts = shortcut.split('+');
  const key = parts[parts.length - 1];
  const shiftKey = parts.includes('Shift');
  return {
    key: shiftKey ? key.toUpperCase() : key.toLowerCase(),
    ctrlKey: parts.includes('Ctrl'),
    metaKey: false,
    shiftKey,
    altKey: parts.includes('Alt'),
  };
}

describe('Toolbar menus', () => {
  it('are File, Edit and View, and hold every app command exactly once', () => {
    assert.deepEqual(
      commandMenus.map((m) => m.label),
      ['File', 'Edit', 'View', 'Help'],
    );
    const listed = commandItems().map((i) => i.command);
    assert.equal(new Set(listed).size, listed.length, `a command listed twice: ${listed}`);
    assert.deepEqual([...listed].sort(), [...appCommands].sort());
  });

  it('put each command in the menu the brief and desktop convention expect', () => {
    const where = new Map(menusFor(idle).items.map((i) => [i.id, i.menu]));
    for (const c of [
      'new',
      'templates',
      'open',
      'save',
      'importOnnx',
      'exportOnnx',
      'exportPytorch',
      'exportPng',
      'exportSvg',
    ])
      assert.equal(where.get(c), 'File', c);
    for (const c of ['undo', 'redo', 'duplicate', 'delete', 'group', 'ungroup', 'autoLayout'])
      assert.equal(where.get(c), 'Edit', c);
    for (const c of [
      'overlay-shape',
      'overlay-params',
      'overlay-macs',
      'overlay-rf',
      'toggleTheme',
      'togglePresentation',
    ])
      assert.equal(where.get(c), 'View', c);
  });

  it('lose nothing the old toolbar had: every command and overlay is a menu item or a button', () => {
    const { items, ran } = menusFor(idle);
    for (const item of items) item.onSelect();
    const buttons = [...toolbarButtons.start, ...toolbarButtons.end];
    for (const c of OLD_TOOLBAR_COMMANDS) assert.ok(ran.includes(c) || buttons.includes(c), c);
    for (const o of OLD_TOOLBAR_OVERLAYS) {
      assert.ok(ran.includes(`overlay:${o}`), `overlay ${o} in a menu`);
      assert.ok(toolbarButtons.overlays.includes(o as never), `overlay ${o} as a button`);
    }
    // Each item runs its own command, not a neighbour's.
    assert.deepEqual(
      ran,
      items.map((i) => (i.id.startsWith('overlay-') ? `overlay:${i.id.slice('overlay-'.length)}` : i.id)),
    );
  });

  it('show the shortcuts shortcuts.ts handles, and only those', () => {
    for (const item of commandItems()) {
      const shown = pageShortcut(item);
      if (!shown) continue;
      // Delete is React Flow's deleteKeyCode on the canvas, not a Ctrl shortcut.
      if (shown === 'Delete') continue;
      assert.equal(commandForKey(press(shown)), item.command, `${item.label}: ${shown}`);
    }
    // The other way round: every Ctrl (+Shift) key the page answers is shown on its command's
    // item, apart from Ctrl+Y, the Windows habit for redo.
    const aliases = new Set(['Ctrl+Y']);
    const keys = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
    for (const k of keys)
      for (const shift of [false, true]) {
        const shortcut = `Ctrl+${shift ? 'Shift+' : ''}${k.toUpperCase()}`;
        const command = commandForKey(press(shortcut));
        if (!command || aliases.has(shortcut)) continue;
        const item = commandItems().find((i) => i.command === command)!;
        assert.equal(pageShortcut(item), shortcut, `${command} answers ${shortcut}`);
      }
  });

  it('keep desktop-only keys out of the page, where the browser owns them', () => {
    const desktopOnly = commandItems().filter((i) => i.desktopOnly);
    assert.ok(desktopOnly.length > 0);
    for (const item of desktopOnly) {
      assert.ok(item.shortcut, item.label);
      assert.equal(commandForKey(press(item.shortcut)), null, `${item.shortcut} is the browser's`);
      const shown = menusFor(idle).items.find((i) => i.id === item.command)!;
      assert.equal(shown.shortcut, undefined, `${item.label} promises a key the page doesn't handle`);
    }
  });

  it('match the Electron menu item for item, with the same accelerators', () => {
    const sent: string[] = [];
    const electron = buildMenuTemplate((c) => sent.push(c), 'linux');
    for (const model of commandMenus) {
      const submenu = electron.find((m) => m.label === model.label)?.submenu;
      assert.ok(Array.isArray(submenu), model.label);
      const labelled = submenu.filter((i) => i.click);
      const commands = model.items.filter((i) => i.kind === 'command');
      assert.deepEqual(
        labelled.map((i) => [i.label, i.accelerator]),
        commands.map((c) => [c.label, c.shortcut?.replace(/^Ctrl\+/, 'CmdOrCtrl+')]),
      );
      assert.notEqual(submenu[0].type, 'separator', `${model.label} starts with a separator`);
    }
    assert.equal(
      electron
        .flatMap((m) => (Array.isArray(m.submenu) ? m.submenu : []))
        .find((i) => i.label === 'Presentation')?.accelerator,
      'CmdOrCtrl+Shift+P',
    );
  });

  it('disable what can’t run now, as the old buttons did', () => {
    const disabled = (s: ToolbarState) =>
      menusFor(s)
        .items.filter((i) => i.disabled)
        .map((i) => i.id)
        .sort();
    assert.deepEqual(disabled(idle), [
      'collapseAll',
      'delete',
      'duplicate',
      'expandAll',
      'group',
      'redo',
      'undo',
      'ungroup',
    ]);
    assert.deepEqual(disabled({ ...idle, selected: 2, canUndo: true, canRedo: true }), [
      'collapseAll',
      'expandAll',
      'ungroup',
    ]);
    assert.deepEqual(disabled({ ...idle, selected: 1, hasGroups: true, canUndo: true, canRedo: true }), []);
    assert.deepEqual(
      disabled({
        ...idle,
        hasHost: false,
        empty: true,
        selected: 1,
        hasGroups: true,
        canUndo: true,
        canRedo: true,
      }),
      [
        'autoLayout',
        'exportOnnx',
        'exportPng',
        'exportPytorch',
        'exportSvg',
        'find',
        'groupRepeats',
        'importOnnx',
        'templates',
      ],
    );
  });

  it('tick the toggles that are on', () => {
    const checked = (s: ToolbarState) =>
      menusFor(s)
        .items.filter((i) => i.checked)
        .map((i) => i.id)
        .sort();
    assert.deepEqual(checked({ ...idle, overlays: { shape: false, params: true, macs: false, rf: false } }), [
      'layoutDown',
      'overlay-params',
    ]);
    assert.deepEqual(
      checked({
        ...idle,
        overlays: { shape: false, params: false, macs: false, rf: false },
        summaryOpen: true,
        problemsOpen: true,
        direction: 'LR',
        theme: 'dark',
        presentation: true,
      }),
      ['layoutRight', 'togglePresentation', 'toggleProblems', 'toggleSummary', 'toggleTheme'],
    );
    // Plain commands are not checkable at all (menuitem, not menuitemcheckbox).
    assert.equal(menusFor(idle).items.find((i) => i.id === 'save')!.checked, undefined);
  });

  it('give buttons tooltips with their key', () => {
    assert.equal(buttonTitle('undo'), 'Undo (Ctrl+Z)');
    assert.equal(buttonTitle('templates'), 'New from a template or a lesson (Ctrl+Shift+N)');
  });
});

describe('Shortcut text', () => {
  it('is written as on the keyboard: Ctrl+Shift+N elsewhere, ⇧⌘N on a Mac (Apple’s modifier order)', () => {
    assert.equal(shortcutText('Ctrl+Shift+N', false), 'Ctrl+Shift+N');
    assert.equal(shortcutText('Ctrl+Shift+N', true), '⇧⌘N');
    assert.equal(shortcutText('Ctrl+S', true), '⌘S');
    assert.equal(shortcutText('Delete', true), 'Delete');
  });
});
