// Class lists as people type them ("5-9", "0,2,4"), shared by `train --keep-classes` and the
// Training panel's "Only classes" field.

/** At most this many classes in a list (the protocol's limit), checked before a range is spelled out. */
export const MAX_LISTED_CLASSES = 1000;

/** `5-9` or `5,7,9` (ranges and single classes, in order): the class indices, or null when unreadable. */
export function parseClassList(text: string): number[] | null {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) return null;
    if (out.length + Number(m[2] ?? m[1]) - Number(m[1]) >= MAX_LISTED_CLASSES) return null;
    for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) out.push(c);
  }
  return out;
}

/** The shortest way to write a class list back: runs of three or more as ranges ("5-9", "0,2,4"). */
export function formatClassList(classes: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < classes.length;) {
    let j = i;
    while (j + 1 < classes.length && classes[j + 1] === classes[j] + 1) j++;
    parts.push(j - i >= 2 ? `${classes[i]}-${classes[j]}` : classes.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return parts.join(',');
}
