// The engine's public surface: code outside engine/ imports from here.
export * from './tensor/shape.ts';
export * from './tensor/window.ts';
export * from './diagnostics.ts';
export * from './layer.ts';
export * from './attributes.ts';
export * from './layers/index.ts';
export * from './graph/graph.ts';
export * from './graph/edits.ts';
export * from './graph/document.ts';
export * from './analysis/receptiveField.ts';
export * from './analysis/analyze.ts';
export * from './graph/builder.ts';
