// Number and field formatting shared by the CLI's tables.
import type { RFResult, Shape } from '../engine/index.ts';

export const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(2)} ${units[u]}`;
}

export function shapeText(s: Shape | null): string {
  return s ? `[${s.join(', ')}]` : '?';
}

/** "5x5 /1 @-2": size, effective stride, start offset; "global"; or "-" without spatial axes. */
export function fieldText(rf: RFResult): string {
  if (rf === null) return '-';
  if ('global' in rf) return 'global';
  const axes = (v: number[]) => (v.every((x) => x === v[0]) ? String(v[0]) : v.join(','));
  return `${rf.size.join('x')} /${axes(rf.stride)} @${axes(rf.start)}`;
}

export function table(headers: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = '='.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [rule, line(headers), rule, ...rows.map(line), rule].join('\n');
}
