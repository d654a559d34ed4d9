// The engine's public surface: code outside engine/ imports the engine from here, its ONNX codec
// and importer from ./onnx/index.ts (kept apart so the renderer never loads protobufjs) and
// datasets from ./data/index.ts. Lint refuses deeper imports from cli/, host/, protocol/,
// server/, electron/ and scripts/.
export * from './tensor/shape.ts';
export * from './tensor/window.ts';
export * from './diagnostics.ts';
export * from './limits.ts';
export * from './layer.ts';
export * from './attributes.ts';
export * from './layers/index.ts';
export * from './graph/graph.ts';
export * from './graph/edits.ts';
export * from './graph/transfer.ts';
export * from './graph/document.ts';
export * from './graph/archive.ts';
export * from './analysis/receptiveField.ts';
export * from './analysis/analyze.ts';
export * from './graph/builder.ts';
export * from './graph/layout.ts';
export { LENET5_C3_TABLE } from './families/lenet5.ts';
export * from './weights.ts';
export * from './weightStats.ts';
export * from './initializers.ts';
export * from './params.ts';
export * from './autodiff/trainStep.ts';
export * from './autodiff/loss.ts';
export * from './autodiff/optimizers.ts';
export * from './autodiff/lossValue.ts';
export * from './autodiff/schedule.ts';
export * from './autodiff/flops.ts';
export * from './autodiff/unroll.ts';
export * from './autodiff/splitStep.ts';
export * from './onnx/export.ts';
export * from './export/pytorch/project.ts';
