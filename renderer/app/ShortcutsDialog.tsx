// Help → Keyboard shortcuts: every key the page answers to, from the same command list as the
// menus (protocol/commandMenus.ts), plus the keys of the canvas, Find and Step through.
import { commandMenus, pageShortcut } from '../../protocol/commandMenus.ts';
import { shortcutText } from '../components/shortcutText.ts';
import { Modal } from '../components/Modal.tsx';
import { appStore, useApp } from '../state/appStore.ts';

/** Keys handled by the canvas and panels themselves rather than by a menu command. */
export const OTHER_KEYS: [string, string][] = [
  ['Delete / Backspace', 'Delete the selected layers or connections'],
  ['Shift+drag', 'Select several layers with a rectangle'],
  ['Ctrl+click', 'Add a layer to the selection'],
  ['Double-click a palette item', 'Add that layer below the selected one, connected'],
  ['Double-click a block title', 'Rename the block'],
  ['Enter / Shift+Enter in Find', 'Next / previous match'],
  ['← → in Step through', 'Step forward and backward through the batch'],
  ['Escape', 'Close a menu, dialog or the Find bar'],
];

export function ShortcutsDialog() {
  const open = useApp((s) => s.shortcutsOpen);
  if (!open) return null;
  const close = () => appStore.getState().actions.setShortcutsOpen(false);
  return (
    <Modal label="Keyboard shortcuts" onClose={close}>
      <h2>Keyboard shortcuts</h2>
      <table className="shortcuts" aria-label="Shortcuts">
        <tbody>
          {commandMenus.flatMap((menu) =>
            menu.items.flatMap((item) => {
              const key = item.kind === 'command' ? pageShortcut(item) : undefined;
              return item.kind === 'command' && key
                ? [
                    <tr key={item.command}>
                      <th scope="row">
                        <kbd>{shortcutText(key)}</kbd>
                      </th>
                      <td>
                        {item.label.replace(/…$/, '')} <span className="muted">({menu.label})</span>
                      </td>
                    </tr>,
                  ]
                : [];
            }),
          )}
          {OTHER_KEYS.map(([key, what]) => (
            <tr key={key}>
              <th scope="row">
                <kbd>{key}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="button-row">
        <button type="button" autoFocus onClick={close}>
          Close
        </button>
      </div>
    </Modal>
  );
}
