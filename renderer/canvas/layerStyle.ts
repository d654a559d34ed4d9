// Category -> colour. The one renderer entry a new category needs; layer types never appear here.
import type { Category } from '../../engine/index.ts';

// Chosen so every pair stays ΔE76 ≥ 15 apart under simulated deuteranopia and protanopia as well
// as normal vision, while each keeps its old hue family (convolution orange, activation green...),
// and so each stripe keeps WCAG non-text contrast ≥ 3:1 on the node background of both themes.
// That contrast band (relative luminance 0.16–0.30) leaves no room for lightness as a cue, so the
// hues were fitted numerically; test/unit/palette.test.ts re-checks all of it.
export const categoryColor: Record<Category, string> = {
  input: '#287ae9',
  linear: '#9d51af',
  convolution: '#d57b25',
  pooling: '#23a68b',
  activation: '#008659',
  normalization: '#808ee4',
  regularization: '#6f98b7',
  reshape: '#ac5a2d',
  merge: '#de425d',
  other: '#627382',
};

export const categoryLabel: Record<Category, string> = {
  input: 'Input',
  linear: 'Linear',
  convolution: 'Convolution',
  pooling: 'Pooling',
  activation: 'Activation',
  normalization: 'Normalization',
  regularization: 'Regularization',
  reshape: 'Reshape',
  merge: 'Merge',
  other: 'Other',
};
