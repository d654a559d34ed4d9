// The confusion matrix's colours and its CSV: pure functions, so the component stays about layout.
import type { Evaluation } from '../../protocol/evaluation.ts';
import { viridis } from '../components/gradientColor.ts';

/**
 * Share of the true class (0..1) as a position on the colour scale. The square root spreads the
 * small shares apart: a 3% confusion is what a teacher points at, and on a linear scale it would
 * look the same as none.
 */
export const sharePosition = (share: number) => Math.sqrt(Math.min(1, Math.max(0, share)));

/**
 * Viridis run backwards (light yellow for rare, dark purple for the whole row), so the frequent
 * diagonal is dark ink and the confusions are bright; empty cells stay neutral.
 */
export function shareColor(share: number): { background: string; color: string } | null {
  if (!(share > 0)) return null;
  const [r, g, b] = viridis(1 - sharePosition(share));
  const lum = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  return { background: `rgb(${r}, ${g}, ${b})`, color: lum > 0.5 ? '#111' : '#fff' };
}

/** The legend strip for shareColor, with its ticks placed on the same square-root scale. */
export function shareGradient(): string {
  const stops = Array.from({ length: 11 }, (_, i) => {
    const [r, g, b] = viridis(1 - i / 10);
    return `rgb(${r}, ${g}, ${b}) ${i * 10}%`;
  });
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

const csvField = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const rate = (v: number | null) => (v === null ? '' : v.toFixed(4));

/** Rows: true class; columns: predicted class, then recall; a last row of precision. */
export function confusionCsv(e: Evaluation): string {
  const names = e.classNames.map(csvField);
  const lines = [
    ['true \\ predicted', ...names, 'recall'].join(','),
    ...e.matrix.map((row, c) => [names[c], ...row.map(String), rate(e.recall[c])].join(',')),
    ['precision', ...e.precision.map(rate), ''].join(','),
  ];
  return `${lines.join('\n')}\n`;
}
