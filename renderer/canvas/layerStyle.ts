// Category -> colour. The one renderer entry a new category needs; layer types never appear here.
import type { Category } from '../../engine/index.ts';

export const categoryColor: Record<Category, string> = {
  input: '#2f80ed',
  linear: '#8e44ad',
  convolution: '#e67e22',
  pooling: '#16a085',
  activation: '#2e9d4f',
  normalization: '#5b5bd6',
  regularization: '#7f8c8d',
  reshape: '#a0522d',
  merge: '#d6336c',
  other: '#607d8b',
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
