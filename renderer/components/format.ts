// How numbers, shapes and receptive fields read on the canvas and in the summary.
import type { RFResult } from '../../engine/index.ts';
import { isGlobal } from '../../engine/index.ts';

export const formatCount = (n: number) => n.toLocaleString('en-US');

/** 1,814,073,344 -> "1.81 G" (SI prefixes, as torchinfo prints MACs). */
export function formatCompact(n: number): string {
  const units = ['', 'K', 'M', 'G', 'T'];
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  if (i === 0) return String(n);
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

const axes = (values: number[], sep: string) =>
  values.every((v) => v === values[0]) ? String(values[0]) : values.join(sep);

/**
 * "RF 5×5 /1 @-2": size per axis, effective stride, start offset (-P). Equal axes are written
 * once for stride and start; "RF global" after Flatten->Linear or global pooling.
 */
export function formatReceptiveField(rf: RFResult): string | null {
  if (rf === null) return null;
  if (isGlobal(rf)) return 'RF global';
  const size = rf.size.join('×');
  return `RF ${size} /${axes(rf.stride, '×')} @${axes(rf.start, ',')}`;
}
