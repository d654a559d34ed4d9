// Character windows (a text file, or the grammar's "chars") previewed as the text they are: each
// window's characters, then the one the model must predict. As numbers, ids say nothing to a reader.
import type { DatasetPreview } from '../../protocol/training.ts';

/** How a class name reads inside a line of text (engine/data/textWindows.ts characterName). */
function glyph(name: string): string {
  if (name === 'space') return ' ';
  if (name === 'newline') return '⏎';
  if (name === 'tab') return '⇥';
  return name.startsWith('U+') ? '�' : name;
}

/** Samples whose values are ids of one-character classes: the windows of a character set. */
export function isCharacterSet(preview: DatasetPreview): boolean {
  const names = preview.classNames;
  if (preview.inputShape.length !== 1 || !names || names.length === 0) return false;
  if (!names.every((n) => [...glyph(n)].length === 1)) return false;
  return preview.samples.every((s) =>
    s.values.every((v) => Number.isInteger(v) && v >= 0 && v < names.length),
  );
}

export function TextWindowsPreview({ preview }: { preview: DatasetPreview }) {
  const names = preview.classNames ?? [];
  return (
    <ol className="text-windows" aria-label="First windows">
      {preview.samples.slice(0, 6).map((s, i) => (
        <li key={i}>
          <span className="text-windows__window">{s.values.map((v) => glyph(names[v])).join('')}</span>
          <span className="text-windows__arrow" aria-hidden="true">
            →
          </span>
          <span className="text-windows__next" aria-label={`next: ${names[s.label]}`}>
            {glyph(names[s.label])}
          </span>
        </li>
      ))}
    </ol>
  );
}
