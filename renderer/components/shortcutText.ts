// Shortcuts are written once as 'Ctrl+Shift+N' (protocol/commandMenus.ts); a Mac shows them the
// way its keyboard is labelled, and its Command key is what renderer/app/shortcuts.ts accepts there.

export const isMac = () => typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** Apple's order of modifier symbols: Control, Option, Shift, Command. */
const MAC_ORDER: Record<string, [number, string]> = { Alt: [1, '⌥'], Shift: [2, '⇧'], Ctrl: [3, '⌘'] };

/** 'Ctrl+Shift+N' as the keyboard shows it: '⇧⌘N' on a Mac, unchanged elsewhere. */
export function shortcutText(shortcut: string, mac = isMac()): string {
  if (!mac) return shortcut;
  const parts = shortcut.split('+');
  const key = parts.pop()!;
  const mods = parts.map((m) => MAC_ORDER[m] ?? [0, m]).sort((a, b) => a[0] - b[0]);
  return mods.map((m) => m[1]).join('') + key;
}
