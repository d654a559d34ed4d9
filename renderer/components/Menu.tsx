// A row of drop-down menus (File, Edit, View) in the WAI-ARIA menu-button pattern: Enter, Space
// or ArrowDown opens a menu on its first item, ArrowUp on its last; arrows, Home/End and a
// letter move between items; ArrowLeft/Right step to the neighbouring menu; Escape closes and
// gives focus back to the menu's button; a click outside or Tab closes it.
import { isMac, shortcutText } from './shortcutText.ts';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import './menu.css';

export interface MenuAction {
  kind: 'item';
  id: string;
  label: string;
  /** Display text such as 'Ctrl+S'; also announced through aria-keyshortcuts. */
  shortcut?: string;
  title?: string;
  disabled?: boolean;
  /** Set for checkable items (a menuitemcheckbox); undefined for plain commands. */
  checked?: boolean;
  onSelect: () => void;
}
export type MenuRow = MenuAction | { kind: 'separator'; id: string };

export interface MenuSpec {
  label: string;
  rows: MenuRow[];
}

/** 'Ctrl+Shift+N' in aria-keyshortcuts' own spelling ('Control+Shift+N'; 'Meta' on a Mac). */
function ariaKeys(shortcut: string, mac = isMac()): string {
  return shortcut.replace(/\bCtrl\b/g, mac ? 'Meta' : 'Control');
}

type Focus = 'first' | 'last';

export function MenuBar({ menus, label }: { menus: MenuSpec[]; label: string }) {
  const [open, setOpen] = useState<{ index: number; focus: Focus } | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const triggers = useRef<(HTMLButtonElement | null)[]>([]);

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(null);
    };
    document.addEventListener('pointerdown', onPointerDown, true);
    return () => document.removeEventListener('pointerdown', onPointerDown, true);
  }, [open]);

  const close = (refocus: number | null) => {
    setOpen(null);
    if (refocus !== null) triggers.current[refocus]?.focus();
  };

  const onTriggerKey = (index: number, e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      setOpen({ index, focus: 'first' });
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen({ index, focus: 'last' });
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      const next = (index + (e.key === 'ArrowRight' ? 1 : -1) + menus.length) % menus.length;
      triggers.current[next]?.focus();
    }
  };

  return (
    <div className="menubar" role="group" aria-label={label} ref={root}>
      {menus.map((menu, index) => {
        const isOpen = open?.index === index;
        const id = `menu-${menu.label.toLowerCase()}`;
        return (
          <div className="menubar__menu" key={menu.label}>
            <button
              type="button"
              className="menubar__trigger"
              ref={(el) => {
                triggers.current[index] = el;
              }}
              aria-haspopup="menu"
              aria-expanded={isOpen}
              aria-controls={isOpen ? id : undefined}
              onClick={() => (isOpen ? close(null) : setOpen({ index, focus: 'first' }))}
              // Once one menu is open, pointing at another switches to it, as in desktop menus.
              onPointerEnter={() => open && !isOpen && setOpen({ index, focus: 'first' })}
              onKeyDown={(e) => onTriggerKey(index, e)}
            >
              {menu.label}
            </button>
            {isOpen && (
              <MenuList
                id={id}
                menu={menu}
                initialFocus={open.focus}
                onClose={() => close(index)}
                onTab={() => close(null)}
                onStep={(delta) =>
                  setOpen({ index: (index + delta + menus.length) % menus.length, focus: 'first' })
                }
              />
            )}
          </div>
        );
      })}
    </div>
  );
}

function MenuList({
  id,
  menu,
  initialFocus,
  onClose,
  onTab,
  onStep,
}: {
  id: string;
  menu: MenuSpec;
  initialFocus: Focus;
  onClose: () => void;
  onTab: () => void;
  onStep: (delta: 1 | -1) => void;
}) {
  const list = useRef<HTMLDivElement>(null);
  const items = () => Array.from(list.current?.querySelectorAll<HTMLElement>('[data-menu-item]') ?? []);

  useEffect(() => {
    const all = items();
    (initialFocus === 'first' ? all[0] : all[all.length - 1])?.focus();
  }, [initialFocus, menu.label]);

  const move = (to: (current: number, count: number) => number) => {
    const all = items();
    const current = all.indexOf(document.activeElement as HTMLElement);
    all[to(current, all.length)]?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const keys: Record<string, () => void> = {
      ArrowDown: () => move((i, n) => (i + 1) % n),
      ArrowUp: () => move((i, n) => (i - 1 + n) % n),
      Home: () => move(() => 0),
      End: () => move((_, n) => n - 1),
      Escape: onClose,
      ArrowRight: () => onStep(1),
      ArrowLeft: () => onStep(-1),
    };
    if (e.key === 'Tab') return onTab();
    const action = keys[e.key];
    if (action) {
      e.preventDefault();
      e.stopPropagation();
      return action();
    }
    if (e.key.length === 1 && /\S/.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // Type-ahead: the next item whose label starts with the letter.
      const letter = e.key.toLowerCase();
      move((i, n) => {
        const all = items();
        for (let k = 1; k <= n; k++) {
          const j = (i + k) % n;
          if (all[j].dataset.label?.toLowerCase().startsWith(letter)) return j;
        }
        return i;
      });
    }
  };

  const select = (row: MenuAction) => {
    if (row.disabled) return;
    // Focus goes back to the menu's button first, so a dialog the command opens can take it.
    onClose();
    row.onSelect();
  };

  return (
    <div
      className="menubar__list"
      role="menu"
      id={id}
      aria-label={menu.label}
      ref={list}
      onKeyDown={onKeyDown}
    >
      {menu.rows.map((row) =>
        row.kind === 'separator' ? (
          <div key={row.id} role="separator" className="menubar__separator" />
        ) : (
          <button
            key={row.id}
            type="button"
            role={row.checked === undefined ? 'menuitem' : 'menuitemcheckbox'}
            aria-checked={row.checked}
            aria-disabled={row.disabled || undefined}
            aria-keyshortcuts={row.shortcut ? ariaKeys(row.shortcut) : undefined}
            title={row.title}
            tabIndex={-1}
            data-menu-item=""
            data-label={row.label}
            className="menubar__item"
            onClick={() => select(row)}
            onPointerEnter={(e) => e.currentTarget.focus()}
          >
            <span className="menubar__check" aria-hidden="true">
              {row.checked ? '✓' : ''}
            </span>
            <span className="menubar__label">{row.label}</span>
            {row.shortcut && (
              <span className="menubar__shortcut" aria-hidden="true">
                {shortcutText(row.shortcut)}
              </span>
            )}
          </button>
        ),
      )}
    </div>
  );
}
