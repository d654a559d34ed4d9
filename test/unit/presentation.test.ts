// Presentation mode is one command, reachable from the keyboard and the Electron menu.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildMenuTemplate } from '../../electron/menuTemplate.ts';
import { commandForKey } from '../../renderer/app/shortcuts.ts';
import { createAppStore } from '../../renderer/state/store.ts';

const key = (k: string, shiftKey = false) => ({
  key: k,
  ctrlKey: true,
  metaKey: false,
  shiftKey,
  altKey: false,
});

describe('Presentation mode', () => {
  it('Ctrl+Shift+P toggles it; plain Ctrl+P stays the browser’s', () => {
    assert.equal(commandForKey(key('P', true)), 'togglePresentation');
    assert.equal(commandForKey(key('p')), null);
    assert.equal(commandForKey(key('N', true)), 'templates');
  });

  it('the store starts from the saved setting and the command flips it', () => {
    const store = createAppStore({ presentation: true });
    assert.equal(store.getState().presentation, true);
    store.getState().actions.togglePresentation();
    assert.equal(store.getState().presentation, false);
    assert.equal(createAppStore().getState().presentation, false);
  });

  it('the View menu sends it with the same accelerator', () => {
    const sent: string[] = [];
    const items = buildMenuTemplate((c) => sent.push(c), 'linux').flatMap((m) =>
      Array.isArray(m.submenu) ? m.submenu : [],
    );
    const item = items.find((i) => i.label === 'Presentation');
    assert.equal(item?.accelerator, 'CmdOrCtrl+Shift+P');
    (item?.click as () => void)();
    assert.deepEqual(sent, ['togglePresentation']);
  });
});
